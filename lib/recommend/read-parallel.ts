import * as fs from 'fs';
import * as os from 'os';
import { runOnThread, workerScript } from '../core/threads';
import { AggregateOptions, AggregateState, FlowAggregator } from './aggregate';
import { ObservedFlow } from './flow';
import { ByteRange, detectFormat, FlowFileReport, FlowFormat, FlowLineReader, flowLineReader, forEachLineRange, readFlowLines, ReadFlowsOptions } from './read-flows';

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

/** The compiled script each reading thread runs (none from sources: then one thread reads). */
const READ_WORKER = workerScript(__dirname, 'read-worker.js');

/**
 * Parts a large file is cut into: threads take the next unread part as they
 * finish one, so they finish together however fast each runs (a thread
 * starts later than the calling one, and two cores may not run alike).
 * Small enough to even out (16 MiB is ~25 ms of reading), large enough that
 * cutting costs nothing.
 */
const PART_BYTES = 16 << 20;

/** What reading one part of a file gave. */
export interface PartResult {
  /** The part's index in the file. */
  readonly index: number;
  /** The report of the part, line numbers counted from its first line. */
  readonly report: FlowFileReport;
  /** Lines in the part, empty ones included. */
  readonly lineCount: number;
}

/** What one thread read of a file. */
export interface ThreadResult {
  /** The parts it read, in file order. */
  readonly parts: readonly PartResult[];
  /** Their counts. */
  readonly state: AggregateState;
}

/** What the threads reading one file share. */
export interface PartsJob {
  /** The flow file. */
  readonly file: string;
  /** Its parts, in file order. */
  readonly ranges: readonly ByteRange[];
  /**
   * The number of its first part among the parts of all files read into one
   * result (`FlowAggregator.startPart`): the parts of earlier files count first.
   */
  readonly firstPart: number;
  /** The index of the next part no thread has taken (an Int32 shared by the threads). */
  readonly next: SharedArrayBuffer;
  /** How to read it (the format is always given: a part may not start with the file's first line). */
  readonly options: ReadFlowsOptions;
  /** How to aggregate it. */
  readonly aggregate: AggregateOptions;
}

/**
 * Reads flow files into one aggregator. A large regular file is cut at line
 * boundaries into parts that the calling thread and worker threads take in
 * turn; each thread takes its parts in file order, and the counts are merged
 * so that the result, reports included, is what one thread reading the
 * whole file gives. Standard input and small files are read on the calling
 * thread.
 */
export async function aggregateFlowFiles(files: readonly string[], options: ReadFlowsOptions & AggregateOptions = {}): Promise<{ aggregator: FlowAggregator; reports: FlowFileReport[] }> {
  const aggregator = new FlowAggregator(options);
  const reports: FlowFileReport[] = [];
  let partsBefore = 0; // the parts of the files before: a workload keeps the name of its first flow in the first file
  for (const file of files) {
    const { threads, size } = threadsFor(file, options.threads);
    if (threads <= 1) {
      aggregator.startPart(partsBefore++);
      reports.push(readFlowLines(file, (flow) => aggregator.add(flow), options).report);
      continue;
    }
    const job: PartsJob = {
      file,
      firstPart: partsBefore,
      ranges: splitFile(file, Math.max(threads, Math.ceil(size / PART_BYTES))),
      next: new SharedArrayBuffer(4),
      // Every part is read in the format of the file's first line.
      options: { format: options.format ?? fileFormat(file), identityKeys: options.identityKeys, maxExamples: options.maxExamples },
      aggregate: { prefixLength: options.prefixLength, prefixLengthV6: options.prefixLengthV6 },
    };
    const pending = Array.from({ length: Math.min(threads, job.ranges.length) - 1 }, () => runOnThread<ThreadResult>(READ_WORKER!, job, `reading ${file}`)); // they start at once, on their own threads
    pending.forEach((p) => p.catch(() => undefined)); // if this thread fails first, theirs are not left unhandled
    let mine: PartResult[];
    try {
      // This thread reads straight into the result; the others' counts are merged into it.
      mine = readParts(job, aggregator);
    } catch (e) {
      Atomics.store(new Int32Array(job.next), 0, job.ranges.length); // the others stop after their current part
      throw e;
    }
    const theirs = await Promise.all(pending);
    for (const t of theirs) aggregator.merge(t.state);
    const parts = [mine, ...theirs.map((t) => t.parts)].flat().sort((a, b) => a.index - b.index);
    reports.push(mergeReports(parts, options.maxExamples ?? 20));
    partsBefore += job.ranges.length;
  }
  return { aggregator, reports };
}

/**
 * Reads parts of `job` into `aggregator`, taking the next part no thread has
 * taken until none is left (what each thread runs), or only `leave` are.
 */
export function readParts(job: PartsJob, aggregator: FlowAggregator, leave = 0): PartResult[] {
  const next = new Int32Array(job.next);
  const reader = new PartReader(job, aggregator);
  const parts: PartResult[] = [];
  for (let index = take(next, job.ranges.length - leave); index >= 0; index = take(next, job.ranges.length - leave)) parts.push(reader.read(index));
  return parts;
}

/** The next part below `limit` no thread has taken, now taken; -1 when none is left. */
function take(next: Int32Array, limit: number): number {
  for (;;) {
    const index = Atomics.load(next, 0);
    if (index >= limit) return -1;
    if (Atomics.compareExchange(next, 0, index, index + 1) === index) return index;
  }
}

/**
 * Parts at the end of a file that worker threads leave to the calling
 * thread: while it reads them (~30 ms each), they count and send their
 * state (`state()` and the transfer: 50-100 ms on 1M lines, measured),
 * instead of the calling thread waiting for them.
 */
const LEFT_TO_CALLER = 2;

/**
 * One thread's reader of parts of a file, given in file order (not all of
 * them): one line reader carries what it learnt from one part to the next,
 * as it would reading the whole file.
 */
export class PartReader {
  private readonly lines: FlowLineReader;
  private readonly add: (flow: ObservedFlow) => void;

  constructor(private readonly job: PartsJob, private readonly aggregator: FlowAggregator) {
    this.lines = flowLineReader(job.options.format ?? FlowFormat.CSV, job.options.identityKeys);
    this.add = (flow) => aggregator.add(flow);
  }

  /** Reads part `index` of the file (after the parts already read). */
  public read(index: number): PartResult {
    this.aggregator.startPart(this.job.firstPart + index);
    const { report, lineCount } = readFlowLines(this.job.file, this.add, this.job.options, this.job.ranges[index], this.lines);
    return { index, report, lineCount };
  }
}

/** What a worker thread runs: `readParts` into its own aggregator. */
export function readPartsOnThread(job: PartsJob): ThreadResult {
  const aggregator = new FlowAggregator(job.aggregate);
  const parts = readParts(job, aggregator, LEFT_TO_CALLER);
  return { parts, state: aggregator.state() };
}

/** One file's report from its parts' reports, in order: counts added, line numbers shifted. */
export function mergeReports(parts: readonly Pick<PartResult, 'report' | 'lineCount'>[], maxExamples: number): FlowFileReport {
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

/**
 * How many threads read `file` (as asked, else one per core and 64 MiB, at
 * most 4; one for standard input and other non-files), and its size.
 */
function threadsFor(file: string, asked: number | undefined): { threads: number; size: number } {
  if (asked !== undefined && (!Number.isInteger(asked) || asked < 1)) throw new Error(`threads is ${asked}: give a whole number of 1 or more`);
  const one = { threads: 1, size: 0 };
  if (file === '-' || asked === 1 || !READ_WORKER) return one;
  let size: number;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return one;
    size = stat.size;
  } catch {
    return one; // the read reports it
  }
  return { threads: asked ?? Math.max(1, Math.min(os.availableParallelism(), MAX_THREADS, Math.floor(size / MIN_BYTES_PER_THREAD))), size };
}

/**
 * Cuts a file into `parts` ranges of about equal size, each starting at the
 * beginning of a line (after a newline). Fewer when lines are longer than
 * the parts; none for `parts` of 1 or less (the file is read whole). Throws
 * when the file cannot be read.
 */
export function splitFile(file: string, parts: number): ByteRange[] {
  if (parts <= 1) return [];
  const size = fs.statSync(file).size;
  const starts = [0];
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(16 << 10);
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

