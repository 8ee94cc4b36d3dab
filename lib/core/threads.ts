// Work on worker threads: a script next to the compiled module runs one job
// (its workerData) and posts the result. From TypeScript sources (the tests)
// there is no compiled script, and callers do the work on the calling thread.
import * as fs from 'fs';
import * as path from 'path';
import { isMainThread, parentPort, Worker, workerData } from 'worker_threads';

/** The compiled worker script `name` (`x.js`) in `dir`, or undefined when there is none. */
export function workerScript(dir: string, name: string): string | undefined {
  const file = path.join(dir, name);
  return fs.existsSync(file) ? file : undefined;
}

/**
 * Runs `script` on a new worker thread with `data` (cloned, so plain data);
 * resolves with the result it posts (see `serveOnThread`), rejects naming
 * `what` when it fails or exits without one. `youngGenerationMb` caps the
 * thread's young generation.
 * @default youngGenerationMb - V8's own size
 */
export function runOnThread<T>(script: string, data: unknown, what: string, youngGenerationMb?: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: data, resourceLimits: youngGenerationMb ? { maxYoungGenerationSizeMb: youngGenerationMb } : undefined });
    const failed = (why: string) => new Error(`${what} on a thread failed: ${why}`);
    // Settled by the thread's one message, not by its exit: the result is here, the
    // thread's teardown need not be waited for. Node delivers a thread's messages
    // before its 'exit' (lib/internal/worker.js drains the ports in kOnExit), so an
    // exit first means no message came.
    worker.once('message', (m: { result?: T; error?: string }) => {
      // The answer is here: the thread's teardown must not hold the process (or a test runner's worker) open.
      worker.unref();
      if ('result' in m) resolve(m.result as T); else reject(failed(m.error ?? 'it sent no result'));
    });
    worker.once('error', (e) => reject(failed(e.message)));
    worker.once('exit', (code) => reject(failed(`the thread exited with code ${code}`)));
  });
}

/**
 * What a worker script does: runs `work` on its workerData and posts the
 * result (moving the buffers `transfer` names instead of copying them), or
 * the error.
 */
export function serveOnThread<I, T>(work: (data: I) => T, transfer: (result: T) => ArrayBuffer[] = () => []): void {
  if (isMainThread || !parentPort) throw new Error('serveOnThread runs in a worker thread');
  try {
    const result = work(workerData as I);
    parentPort.postMessage({ result }, transfer(result));
  } catch (e) {
    parentPort.postMessage({ error: (e as Error).stack ?? String(e) });
  }
}
