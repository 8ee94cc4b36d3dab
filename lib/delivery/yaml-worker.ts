// A thread that writes objects (JSON text) as YAML; see toYamlOnThread.
import { serveOnThread } from '../core/threads';
import { KubeObject } from '../manifests/types';
import { toYaml } from './yaml';

serveOnThread((json: string) => toYaml(JSON.parse(json) as KubeObject[]));
