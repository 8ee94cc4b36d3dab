import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runOnThread, serveOnThread, workerScript } from '../../lib/core/threads';

// Worker scripts are compiled JavaScript next to their module; these stand-ins
// speak the same protocol ({ result } or { error }) as serveOnThread.
let dir: string;
beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ezt-threads-')); });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `const { parentPort, workerData } = require('worker_threads');\n${body}\n`);
  return file;
}

describe('worker threads', () => {
  test('workerScript finds a compiled script, or says there is none', () => {
    const file = script('found.js', '');
    expect(workerScript(dir, 'found.js')).toBe(file);
    expect(workerScript(dir, 'missing.js')).toBeUndefined();
  });

  test('runOnThread resolves with the result the thread posts, its data cloned in', async () => {
    const file = script('double.js', 'parentPort.postMessage({ result: workerData.map((n) => n * 2) });');
    await expect(runOnThread(file, [1, 2, 3], 'doubling')).resolves.toEqual([2, 4, 6]);
    await expect(runOnThread(file, [4], 'doubling', 4)).resolves.toEqual([8]); // with a small young generation
  });

  test('runOnThread rejects, naming the work, when the thread reports an error, throws or exits without a result', async () => {
    const reports = script('reports.js', "parentPort.postMessage({ error: 'bad input at line 3' });");
    await expect(runOnThread(reports, null, 'reading flows.jsonl')).rejects.toThrow('reading flows.jsonl on a thread failed: bad input at line 3');
    const throws = script('throws.js', "throw new Error('boom');");
    await expect(runOnThread(throws, null, 'writing YAML')).rejects.toThrow(/writing YAML on a thread failed: boom/);
    const quits = script('quits.js', 'process.exit(3);');
    await expect(runOnThread(quits, null, 'writing YAML')).rejects.toThrow('writing YAML on a thread failed: the thread exited with code 3');
  });

  test('serveOnThread refuses to run on the main thread', () => {
    expect(() => serveOnThread(() => 1)).toThrow('serveOnThread runs in a worker thread');
  });
});
