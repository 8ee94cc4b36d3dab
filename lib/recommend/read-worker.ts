// A thread that reads one range of a flow file (see read-parallel.ts) and
// posts its counts, or why it could not.
import { parentPort, workerData } from 'worker_threads';
import { RangeJob, readRange } from './read-parallel';

try {
  parentPort!.postMessage({ result: readRange(workerData as RangeJob) });
} catch (e) {
  parentPort!.postMessage({ error: (e as Error).stack ?? String(e) });
}
