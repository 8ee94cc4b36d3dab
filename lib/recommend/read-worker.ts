// A thread that reads parts of a flow file (see read-parallel.ts) and posts
// its counts; their connection rows are moved, not copied.
import { serveOnThread } from '../core/threads';
import { transferables } from './aggregate';
import { readPartsOnThread } from './read-parallel';

serveOnThread(readPartsOnThread, (result) => transferables(result.state));
