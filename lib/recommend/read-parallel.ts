import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { AggregateOptions, AggregateState, FlowAggregator } from './aggregate';
import { ByteRange, detectFormat, FlowFileReport, FlowFormat, forEachLineRange, readFlowLines, ReadFlowsOptions } from './read-flows';

/**
 * Each extra thread costs about 50 ms to start (a Node environment and the
 * readers); below this many bytes per thread, one thread is faster.
 */
export const MIN_BYTES_PER_THREAD = 64 << 20;
/**
 * At most this many threads unless asked: each holds its own heap and the
 * distinct connections of its range (measured: about 40 MB more peak RSS per
 * thread on 1M Hubble lines), and the reads share one disk.
 */
const MAX_THREADS = 4;

/** What one thread's part of a file gave. */
export interface RangeResult {
  /** The report of the part, line numbers counted from its first line. */
  readonly report: FlowFileReport;
  /** Lines in the part, empty ones included. */
  readonly lineCount: number;
  /** The part's counts. */
  readonly state: AggregateState;
}

/** What a reading thread is given. */
export interface RangeJob {
  /** The flow file. */
  readonly file: string;
  /** The part of it to read. */
  readonly range: ByteRange;
  /** How to read it (the format is always given: the part may not start with the file's first line). */
  readonly options: ReadFlowsOptions;
  /** How to aggregate it. */
  readonly aggregate: AggregateOptions;
}

/**
 * Reads flow files into one aggregator. A large regular file is cut at line
 * boundaries into ranges read by worker threads at once (the calling thread
 * reads the first); their counts are merged in file order, so the result,
 * reports included, is what one thread reading the whole file gives.
 * Standard input and small files are read on the calling thread.
 */
export async function aggregateFlowFiles(files: readonly string[], options: ReadFlowsOptions & AggregateOptions = {}): Promise<{ aggregator: FlowAggregator; reports: FlowFileReport[] }> {
  const aggregator = new FlowAggregator(options);
  const reports: FlowFileReport[] = [];
  for (const file of files) {
    const ranges = splitFile(file, threadsFor(file, options.threads));
    if (ranges.length <= 1) {
      reports.push(readFlowLines(file, (flow) => aggregator.add(flow), options).report);
      continue;
    }
    // Every part is read in the format of the file's first line.
    const read: ReadFlowsOptions = { format: options.format ?? fileFormat(file), identityKeys: options.identityKeys, maxExamples: options.maxExamples };
    const aggregate = { prefixLength: options.prefixLength, prefixLengthV6: options.prefixLengthV6 };
    const pending = ranges.slice(1).map((range) => runWorker({ file, range, options: read, aggregate })); // they start at once, on their own threads
    pending.forEach((p) => p.catch(() => undefined)); // if this thread's part fails first, theirs are not left unhandled
    // The first part is read here, straight into the result; the others are merged after it, in order.
    const first = readFlowLines(file, (flow) => aggregator.add(flow), read, ranges[0]);
    const rest = await Promise.all(pending);
    for (const r of rest) aggregator.merge(r.state);
    reports.push(mergeReports([first, ...rest], options.maxExamples ?? 20));
  }
  return { aggregator, reports };
}

/** Reads one range on this thread (what each worker runs). */
export function readRange(job: RangeJob): RangeResult {
  const aggregator = new FlowAggregator(job.aggregate);
  const { report, lineCount } = readFlowLines(job.file, (flow) => aggregator.add(flow), job.options, job.range);
  return { report, lineCount, state: aggregator.state() };
}

/** One file's report from its parts' reports, in order: counts added, line numbers shifted. */
export function mergeReports(parts: readonly Pick<RangeResult, 'report' | 'lineCount'>[], maxExamples: number): FlowFileReport {
  const skipped: { [reason: string]: number } = {};
  const examples: { line: number; message: string }[] = [];
  let lines = 0;
  let flows = 0;
  let malformed = 0;
  let before = 0;
  for (const { report, lineCount } of parts) {
    lines += report.lines;
    flows += report.flows;
    malformed += report.malformed;
    for (const [reason, n] of Object.entries(report.skipped)) skipped[reason] = (skipped[reason] ?? 0) + n;
    for (const e of report.examples) if (examples.length < maxExamples) examples.push({ line: e.line + before, message: e.message });
    before += lineCount;
  }
  return { file: parts[0].report.file, format: parts[0].report.format, lines, flows, skipped, malformed, examples };
}

/** How many threads read `file`: as asked, else one per core and 64 MiB (at most 4); one for standard input and other non-files. */
function threadsFor(file: string, asked: number | undefined): number {
  if (asked !== undefined && (!Number.isInteger(asked) || asked < 1)) throw new Error(`threads is ${asked}: give a whole number of 1 or more`);
  if (file === '-' || asked === 1 || !fs.existsSync(path.join(__dirname, WORKER_SCRIPT))) return 1;
  let size: number;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return 1;
    size = stat.size;
  } catch {
    return 1; // the read reports it
  }
  return asked ?? Math.max(1, Math.min(os.availableParallelism(), MAX_THREADS, Math.floor(size / MIN_BYTES_PER_THREAD)));
}

/**
 * Cuts a file into `parts` ranges of about equal size, each starting at the
 * beginning of a line (after a newline). Fewer when lines are longer than
 * the parts; one range when the file cannot be read (the read reports it).
 */
export function splitFile(file: string, parts: number): ByteRange[] {
  if (parts <= 1) return [];
  const size = fs.statSync(file).size;
  const starts = [0];
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(64 << 10);
    for (let i = 1; i < parts; i++) {
      let at = Math.max(Math.floor((size * i) / parts), starts[starts.length - 1]);
      let start = -1;
      while (start < 0 && at < size) {
        const n = fs.readSync(fd, buf, 0, buf.length, at);
        if (n === 0) break;
        const nl = buf.subarray(0, n).indexOf(10);
        if (nl >= 0) start = at + nl + 1; else at += n;
      }
      if (start < 0 || start >= size) break;
      if (start > starts[starts.length - 1]) starts.push(start);
    }
  } finally {
    fs.closeSync(fd);
  }
  return starts.map((start, i) => ({ start, end: starts[i + 1] ?? size }));
}

/**
 * The format `readFlowFile` reads the file in: detected from its first
 * non-empty line, split as the reader splits lines (a trailing CR dropped, a
 * line of spaces not empty), looked for in the first MiB.
 */
export function fileFormat(file: string): FlowFormat {
  let first: string | undefined;
  forEachLineRange(file, (text, start, end) => { if (first === undefined && end > start) first = text.slice(start, end); }, undefined, { start: 0, end: Math.min(fs.statSync(file).size, 1 << 20) });
  return detectFormat(first ?? '', file);
}

const WORKER_SCRIPT = 'read-worker.js';

/** Reads `job` on a worker thread. */
function runWorker(job: RangeJob): Promise<RangeResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, WORKER_SCRIPT), { workerData: job });
    let message: { result?: RangeResult; error?: string } | undefined;
    const failed = (why: string) => new Error(`reading ${job.file} bytes ${job.range.start}-${job.range.end} on a thread failed: ${why}`);
    worker.once('message', (m: typeof message) => { message = m; });
    worker.once('error', (e) => reject(failed(e.message)));
    worker.once('exit', (code) => (message?.result ? resolve(message.result) : reject(failed(message?.error ?? `the thread exited with code ${code}`))));
  });
}
