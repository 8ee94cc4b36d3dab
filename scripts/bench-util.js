// Shared by the benchmark scripts: the median of samples, one measured synth, one
// timed node process, the analyzer's parse floor, and a warm page cache.
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

/** The median of numbers. */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Builds an app with `build(app)`, synthesizes it into a temporary directory and
 * returns wall ms since `started` (take it before requiring aws-cdk-lib so module
 * loading counts), the bytes and resource count of stack `stackName`.
 */
function measureSynth(started, build, stackName, context = {}) {
  const { App } = require('aws-cdk-lib');
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ezt-bench-'));
  const app = new App({ outdir, context });
  build(app);
  const assembly = app.synth();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const text = fs.readFileSync(path.join(outdir, assembly.getStackByName(stackName).templateFile), 'utf8');
  const resources = Object.keys(JSON.parse(text).Resources ?? {}).length;
  fs.rmSync(outdir, { recursive: true, force: true });
  return { ms, bytes: Buffer.byteLength(text), resources };
}

/**
 * Runs node with `args` under /usr/bin/time: wall ms and peak RSS (MB) of the
 * whole process, node start included, and what it printed. Throws when it fails.
 */
function timedNode(args, cwd = path.join(__dirname, '..')) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', process.execPath, ...args], { encoding: 'utf8', cwd, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr}`);
  const [secs, kb] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { ms: secs * 1000, mb: kb / 1024, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The floor of the analyzer's goals: js-yaml's loadAll of `file` in a fresh
 * node process, wall ms (node start and require included, as in the analyze
 * figures it is set against).
 */
function loadAllWall(file, cwd = path.join(__dirname, '..')) {
  const t = process.hrtime.bigint();
  execFileSync(process.execPath, ['-e', `require('js-yaml').loadAll(require('fs').readFileSync(${JSON.stringify(file)},'utf8'))`], { cwd });
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/**
 * Reads `file` through, so that the page cache holds all of it when a timed
 * run starts: this VM's kernel reclaims idle page cache (DAMON), and a run
 * that finds part of its input evicted reads it from disk (~550 MB/s here),
 * which slows a single-threaded reader (the floor) more than a threaded one.
 */
function warm(file) {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(16 << 20);
  try {
    while (fs.readSync(fd, buf, 0, buf.length, null) > 0) { /* read on */ }
  } finally {
    fs.closeSync(fd);
  }
}

module.exports = { loadAllWall, median, measureSynth, timedNode, warm };
