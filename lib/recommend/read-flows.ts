import { isAscii } from 'buffer';
import * as fs from 'fs';
import { LineResult, ObservedFlow } from './flow';
import { CsvReader } from './readers/csv';
import { GoldmaneReader } from './readers/goldmane';
import { HubbleReader } from './readers/hubble';

/** The flow formats the recommender reads. */
export enum FlowFormat {
  /** Cilium Hubble, `hubble observe --output json`. */
  HUBBLE = 'hubble',
  /** Calico Goldmane / Whisker flow logs. */
  GOLDMANE = 'goldmane',
  /** `src_ns,src_labels,dst_ns,dst_labels_or_cidr,protocol,port`. */
  CSV = 'csv',
}

/** Options of `readFlowFile`. */
export interface ReadFlowsOptions {
  /**
   * The format of the file.
   * @default - detected from the first line
   */
  readonly format?: FlowFormat;
  /**
   * The label keys that identify a workload, most preferred first.
   * @default DEFAULT_IDENTITY_KEYS
   */
  readonly identityKeys?: readonly string[];
  /**
   * How many malformed lines to keep as examples (all are counted).
   * @default 20
   */
  readonly maxExamples?: number;
  /**
   * How many threads read one large file: it is cut into parts the threads
   * take in turn, and their counts are merged so that the result is the
   * same as one thread's. Used by `aggregateFlowFiles`; `readFlowFile` reads
   * on the calling thread.
   * @default - one per CPU core, each for at least 64 MiB of the file, at most 4
   */
  readonly threads?: number;
}

/** Bytes `[start, end)` of a file, starting at the beginning of a line. */
export interface ByteRange {
  /** The first byte. */
  readonly start: number;
  /** The byte after the last. */
  readonly end: number;
}

/** What reading one file found. */
export interface FlowFileReport {
  /** The file (`-` for standard input). */
  readonly file: string;
  /** The format read. */
  readonly format: FlowFormat;
  /** Non-empty lines read. */
  readonly lines: number;
  /** Flows read. */
  readonly flows: number;
  /** Lines skipped on purpose, by reason (replies, L7 records, host traffic...). */
  readonly skipped: { readonly [reason: string]: number };
  /** Malformed lines: never fatal, counted. */
  readonly malformed: number;
  /** The first malformed lines, with their 1-based line numbers. */
  readonly examples: readonly { readonly line: number; readonly message: string }[];
}

/**
 * Read size. Small enough that each decoded chunk is an ordinary young
 * string (measured: 64 KiB chunks ingest 1M Hubble lines in 2.8 s, 4 MiB
 * chunks, which land in V8's large-object space, in 3.7 s); lines longer
 * than this grow the buffer.
 */
const CHUNK_BYTES = 64 << 10;

/** What readFlowFile needs of a reader: one per file, as it remembers what earlier lines showed. */
export interface FlowLineReader {
  read(line: string): LineResult;
  /** Reads the line `text[start, end)` without slicing it, when the reader can. */
  readRange?(text: string, start: number, end: number): LineResult;
  /** Called when a new chunk of text begins. */
  newChunk?(): void;
}

/**
 * Streams one flow file line by line and hands every flow to `onFlow`.
 * Memory does not grow with the file: only the current chunk is held.
 */
export function readFlowFile(file: string, onFlow: (flow: ObservedFlow) => void, options: ReadFlowsOptions = {}): FlowFileReport {
  return readFlowLines(file, onFlow, options).report;
}

/** The reader of one format. */
export function flowLineReader(format: FlowFormat, identityKeys?: readonly string[]): FlowLineReader {
  return format === FlowFormat.HUBBLE ? new HubbleReader(identityKeys)
    : format === FlowFormat.GOLDMANE ? new GoldmaneReader(identityKeys)
      : new CsvReader(identityKeys);
}

/**
 * `readFlowFile` on the lines of one byte range of the file (all of it when
 * none is given). Line numbers in the report count from the range's start;
 * `lineCount` (empty lines included) lets the caller shift them. A thread
 * that reads several ranges of one file in file order passes each the same
 * `continued` reader (used when `options.format` is given), so what it
 * learnt from one range carries on to the next.
 */
export function readFlowLines(file: string, onFlow: (flow: ObservedFlow) => void, options: ReadFlowsOptions = {}, range?: ByteRange, continued?: FlowLineReader): { report: FlowFileReport; lineCount: number } {
  const maxExamples = options.maxExamples ?? 20;
  const skipped: { [reason: string]: number } = {};
  const examples: { line: number; message: string }[] = [];
  let format = options.format;
  let reader = format === undefined ? undefined : continued;
  let lines = 0;
  let flows = 0;
  let malformed = 0;
  let lineNo = 0;
  const handle = (text: string, start: number, end: number) => {
    lineNo++;
    if (end === start) return;
    if (!reader) {
      format ??= detectFormat(text.slice(start, end), file);
      reader = flowLineReader(format, options.identityKeys);
    }
    lines++;
    const r = reader.readRange ? reader.readRange(text, start, end) : reader.read(text.slice(start, end));
    if ('flow' in r) { flows++; onFlow(r.flow); } else if ('flows' in r) { flows += r.flows.length; r.flows.forEach(onFlow); } else if ('skip' in r) {
      skipped[r.skip] = (skipped[r.skip] ?? 0) + 1;
    } else {
      malformed++;
      if (examples.length < maxExamples) examples.push({ line: lineNo, message: r.error });
    }
  };
  forEachLineRange(file, handle, () => reader?.newChunk?.(), range);
  return { report: { file, format: format ?? FlowFormat.CSV, lines, flows, skipped, malformed, examples }, lineCount: lineNo };
}

/**
 * Reads a file in chunks into one buffer and calls `fn` with the buffer and
 * the length that ends at the chunk's last newline (the newline excluded).
 * The unfinished line after it moves to the front of the buffer and the next
 * read appends to it. The file's last line may end without a newline.
 */
function forEachChunk(file: string, fn: (buf: Buffer, length: number) => void, range?: ByteRange): void {
  const fd = file === '-' ? 0 : fs.openSync(file, 'r');
  try {
    let buf = Buffer.allocUnsafe(CHUNK_BYTES);
    let held = 0; // bytes of an unfinished line at the front of buf
    let position = range?.start ?? null; // null: read on from the current position (pipes)
    for (;;) {
      if (held === buf.length) { const bigger = Buffer.allocUnsafe(buf.length * 2); buf.copy(bigger, 0, 0, held); buf = bigger; }
      const want = range && position !== null ? Math.min(buf.length - held, range.end - position) : buf.length - held;
      if (want <= 0) break;
      let n: number;
      try {
        n = fs.readSync(fd, buf, held, want, position);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        if ((e as NodeJS.ErrnoException).code === 'EOF') break;
        throw e;
      }
      if (n === 0) break;
      if (position !== null) position += n;
      const filled = held + n;
      const lastNewline = buf.lastIndexOf(10, filled - 1);
      if (lastNewline < 0) { held = filled; continue; }
      fn(buf, lastNewline);
      held = filled - lastNewline - 1;
      buf.copyWithin(0, lastNewline + 1, filled);
    }
    if (held > 0) fn(buf, held);
  } finally {
    if (fd !== 0) fs.closeSync(fd);
  }
}

/**
 * Calls `fn` with every line of the file as a range of the decoded chunk it
 * is in (a trailing CR left out), and `onChunk` before each chunk. Each chunk
 * is decoded once; ASCII chunks (Hubble output nearly always is) as Latin-1,
 * which is exact for ASCII and much faster than UTF-8.
 */
export function forEachLineRange(file: string, fn: (text: string, start: number, end: number) => void, onChunk: () => void = () => undefined, range?: ByteRange): void {
  forEachChunk(file, (buf, length) => {
    const bytes = buf.subarray(0, length);
    const text = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
    onChunk();
    let start = 0;
    for (;;) {
      let end = text.indexOf('\n', start);
      const last = end < 0;
      if (last) end = text.length;
      fn(text, start, end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
      if (last) break;
      start = end + 1;
    }
  }, range);
}

/** Calls `fn` with every line of the file (without its newline or a trailing CR). */
export function forEachLine(file: string, fn: (line: string) => void): void {
  forEachLineRange(file, (text, start, end) => fn(text.slice(start, end)));
}

/** The format of a flow file, from its name and first line. */
export function detectFormat(firstLine: string, file = ''): FlowFormat {
  if (file.endsWith('.csv')) return FlowFormat.CSV;
  const line = firstLine.trimStart();
  if (!line.startsWith('{') && !line.startsWith('data:')) return FlowFormat.CSV;
  if (/"(source_namespace|sourceNamespace|Key|source_type|dest_port|destPort)"/.test(line)) return FlowFormat.GOLDMANE;
  return FlowFormat.HUBBLE;
}
