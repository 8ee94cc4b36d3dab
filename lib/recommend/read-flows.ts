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

const CHUNK_BYTES = 4 << 20;

/**
 * Streams one flow file line by line and hands every flow to `onFlow`.
 * Memory does not grow with the file: only the current chunk is held.
 */
export function readFlowFile(file: string, onFlow: (flow: ObservedFlow) => void, options: ReadFlowsOptions = {}): FlowFileReport {
  const maxExamples = options.maxExamples ?? 20;
  const skipped: { [reason: string]: number } = {};
  const examples: { line: number; message: string }[] = [];
  let format = options.format;
  let reader: { read(line: string): LineResult } | undefined;
  let lines = 0;
  let flows = 0;
  let malformed = 0;
  let lineNo = 0;
  const handle = (line: string) => {
    lineNo++;
    if (line.length === 0 || (line.length === 1 && line === '\r')) return;
    if (!reader) {
      format ??= detectFormat(line, file);
      reader = format === FlowFormat.HUBBLE ? new HubbleReader(options.identityKeys)
        : format === FlowFormat.GOLDMANE ? new GoldmaneReader(options.identityKeys)
          : new CsvReader(options.identityKeys);
    }
    lines++;
    const r = reader.read(line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line);
    if ('flow' in r) { flows++; onFlow(r.flow); } else if ('flows' in r) { flows += r.flows.length; r.flows.forEach(onFlow); } else if ('skip' in r) {
      skipped[r.skip] = (skipped[r.skip] ?? 0) + 1;
    } else {
      malformed++;
      if (examples.length < maxExamples) examples.push({ line: lineNo, message: r.error });
    }
  };
  forEachLine(file, handle);
  return { file, format: format ?? FlowFormat.CSV, lines, flows, skipped, malformed, examples };
}

/** Calls `fn` with every line of the file (without its newline), reading in chunks. */
export function forEachLine(file: string, fn: (line: string) => void): void {
  const fd = file === '-' ? 0 : fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    let carry = Buffer.alloc(0);
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(fd, buf, 0, CHUNK_BYTES, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        if ((e as NodeJS.ErrnoException).code === 'EOF') break;
        throw e;
      }
      if (n === 0) break;
      const lastNewline = buf.lastIndexOf(10, n - 1);
      if (lastNewline < 0) { carry = Buffer.concat([carry, buf.subarray(0, n)]); continue; }
      const text = carry.length > 0 ? Buffer.concat([carry, buf.subarray(0, lastNewline)]).toString('utf8') : buf.toString('utf8', 0, lastNewline);
      carry = Buffer.from(buf.subarray(lastNewline + 1, n));
      let start = 0;
      for (;;) {
        const end = text.indexOf('\n', start);
        if (end < 0) { fn(text.slice(start)); break; }
        fn(text.slice(start, end));
        start = end + 1;
      }
    }
    if (carry.length > 0) fn(carry.toString('utf8'));
  } finally {
    if (fd !== 0) fs.closeSync(fd);
  }
}

/** The format of a flow file, from its name and first line. */
export function detectFormat(firstLine: string, file = ''): FlowFormat {
  if (file.endsWith('.csv')) return FlowFormat.CSV;
  const line = firstLine.trimStart();
  if (!line.startsWith('{') && !line.startsWith('data:')) return FlowFormat.CSV;
  if (/"(source_namespace|sourceNamespace|Key|source_type|dest_port|destPort)"/.test(line)) return FlowFormat.GOLDMANE;
  return FlowFormat.HUBBLE;
}
