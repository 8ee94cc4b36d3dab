// The `recommend` command. The recommender renders with cdk8s, so it is
// loaded only when this command runs (type imports below are erased).
import * as fs from 'fs';
import * as path from 'path';
import type { LoadResult } from '../lib/analysis/load';
import type { FlowFileReport, Recommendation } from '../lib/recommend';

/** Where the command writes. */
export interface RecommendOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The options of `eks-zero-trust recommend`, as commander parses them. */
export interface RecommendCliOptions {
  readonly engine: 'calico' | 'cilium' | 'kubernetes';
  readonly mode: 'staged' | 'enforced';
  readonly namespace?: string[];
  readonly out?: string;
  readonly format: 'auto' | 'hubble' | 'goldmane' | 'csv';
  readonly prefixLength: string;
  readonly prefixLengthV6: string;
  readonly mergePorts?: boolean;
  readonly labelKeys?: string;
  readonly strict?: boolean;
  readonly threads?: string;
  readonly force?: boolean;
  readonly against?: string[];
}

/**
 * Reads the flows, writes the recommendation (YAML on stdout, or files in
 * `--out`) and the report on stderr. Returns the exit code: 1 when the
 * analyzer finds the recommendation wrong, 2 for malformed input with `--strict`.
 */
export async function recommendCommand(io: RecommendOutput, files: readonly string[], o: RecommendCliOptions, readPolicies?: (paths: readonly string[]) => LoadResult): Promise<number> {
  const { recommendFromFilesAsync, overPermissiveFromFiles, RecommendEngine, RecommendMode, FlowFormat } = await import('../lib/recommend');
  const prefixLength = wholeNumber(o.prefixLength, 0, 32, '--prefix-length', 'a prefix length');
  const prefixLengthV6 = wholeNumber(o.prefixLengthV6, 0, 128, '--prefix-length-v6', 'a prefix length');
  const threads = o.threads === undefined ? undefined : wholeNumber(o.threads, 1, 64, '--threads', 'a number');
  const started = Date.now();
  const result = await recommendFromFilesAsync(files, {
    threads,
    engine: o.engine as typeof RecommendEngine[keyof typeof RecommendEngine],
    mode: o.mode === 'enforced' ? RecommendMode.ENFORCED : RecommendMode.STAGED,
    namespaces: o.namespace,
    format: o.format === 'auto' ? undefined : (o.format as typeof FlowFormat[keyof typeof FlowFormat]),
    prefixLength,
    prefixLengthV6,
    mergePorts: o.mergePorts,
    identityKeys: o.labelKeys ? o.labelKeys.split(',').map((k) => k.trim()).filter(Boolean) : undefined,
  });
  io.stderr(reportText(result, Date.now() - started));
  const malformed = result.report.files.reduce((n, f) => n + f.malformed, 0);
  if (o.strict && malformed > 0) {
    io.stderr(`error: ${malformed} malformed line(s) (--strict); nothing written\n`);
    return 2;
  }
  // Deployed policies against the same flows: what they allow that no flow used.
  const against = o.against && readPolicies ? overPermissiveFromFiles(files, readPolicies(o.against), { format: o.format === 'auto' ? undefined : (o.format as typeof FlowFormat[keyof typeof FlowFormat]), prefixLength, prefixLengthV6 }) : undefined;
  if (against) {
    io.stderr(`deployed policies (${o.against!.join(' ')}): ${against.filter((a) => a.finding === 'unused').length} rule(s) no observed flow used, ${against.filter((a) => a.finding === 'narrower').length} broader than the flows\n`);
    for (const a of against) io.stderr(`  ${a.finding === 'unused' ? 'UNUSED  ' : 'NARROWER'} ${a.rule}: allows ${a.peer} on ${a.ports}; ${a.suggestion}\n`);
  }
  if (o.out) {
    const refused = writeOutputs(o.out, {
      'policies.yaml': `${MARK_HASH}\n${result.yaml}`,
      'policies.ts': `${MARK_SLASH}\n${result.typescript}`,
      'report.json': `${JSON.stringify({ generator: GENERATOR, ...result.report, ...(against ? { against } : {}) }, undefined, 2)}\n`,
    }, o.force ?? false);
    if (refused) { io.stderr(`error: ${refused}\n`); return 2; }
    io.stderr(`wrote ${path.join(o.out, 'policies.yaml')}, policies.ts and report.json\n`);
  } else {
    io.stdout(result.yaml);
  }
  const v = result.report.verification;
  return v.notAllowed.length > 0 || v.newPairs.length > 0 ? 1 : 0;
}

/** What marks the files `recommend --out` writes, so it replaces only its own. */
const GENERATOR = 'eks-zero-trust recommend';
const MARK_HASH = `# Written by ${GENERATOR}; it replaces this file when run again with the same --out.`;
const MARK_SLASH = `// Written by ${GENERATOR}; it replaces this file when run again with the same --out.`;

/** Whether a file was written by `recommend --out` (its first line, or report.json's generator). */
function writtenByUs(file: string): boolean {
  const head = fs.readFileSync(file, 'utf8').slice(0, 300);
  return head.startsWith(MARK_HASH) || head.startsWith(MARK_SLASH) || head.includes(`"generator": "${GENERATOR}"`);
}

/**
 * Writes the files into `dir` together: each to a new temporary file in the
 * directory first (exclusive create, so nothing is written through a link),
 * then renamed into place, all only once every one is written. A name that
 * is a symbolic link, not a regular file, or a file this command did not
 * write (without `force`) is refused before anything is written. Returns why
 * it refused, or undefined.
 */
function writeOutputs(dir: string, files: { readonly [name: string]: string }, force: boolean): string | undefined {
  if (fs.existsSync(dir) && fs.lstatSync(dir).isSymbolicLink()) return `--out ${dir} is a symbolic link; give the directory itself`;
  fs.mkdirSync(dir, { recursive: true });
  for (const name of Object.keys(files)) {
    const target = path.join(dir, name);
    let stat: fs.Stats | undefined;
    try { stat = fs.lstatSync(target); } catch { stat = undefined; }
    if (!stat) continue;
    if (stat.isSymbolicLink()) return `${target} is a symbolic link; recommend never writes through one (remove it first)`;
    if (!stat.isFile()) return `${target} exists and is not a file`;
    if (!force && !writtenByUs(target)) return `${target} exists and was not written by ${GENERATOR}; move it away or pass --force`;
  }
  const temps: [string, string][] = [];
  try {
    for (const [name, text] of Object.entries(files)) {
      const temp = path.join(dir, `.${name}.${process.pid}.${Date.now()}.tmp`);
      fs.writeFileSync(temp, text, { flag: 'wx' });
      temps.push([temp, path.join(dir, name)]);
    }
  } catch (e) {
    for (const [temp] of temps) fs.rmSync(temp, { force: true });
    throw e;
  }
  for (const [temp, target] of temps) fs.renameSync(temp, target);
  return undefined;
}

/** The option's value as a whole number from `min` to `max`, else a usage error naming the flag and `what` it must be. */
function wholeNumber(text: string, min: number, max: number, flag: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${flag} ${JSON.stringify(text)} is not ${what} ${min}-${max}`);
  return n;
}

function fileLine(f: FlowFileReport): string {
  const skipped = Object.entries(f.skipped).sort((a, b) => b[1] - a[1]);
  const skippedTotal = skipped.reduce((n, [, c]) => n + c, 0);
  const lines = [`read ${f.file} (${f.format}): ${f.lines} line(s), ${f.flows} flow(s), ${skippedTotal} skipped${skipped.length ? ` (${skipped.map(([r, c]) => `${r}: ${c}`).join(', ')})` : ''}, ${f.malformed} malformed`];
  for (const e of f.examples) lines.push(`  line ${e.line}: ${e.message}`);
  if (f.malformed > f.examples.length) lines.push(`  ... and ${f.malformed - f.examples.length} more`);
  return lines.join('\n');
}

/** The report as text. */
export function reportText(result: Recommendation, ms: number): string {
  const r = result.report;
  const v = r.verification;
  const checkable = v.observed - v.unverifiable;
  const lines = [
    ...r.files.map(fileLine),
    `${r.allowedFlows} flow(s) got through: ${r.observations} distinct connection(s); ${r.deniedFlows} dropped flow(s) not recommended (${ms} ms)`,
    ...Object.entries(r.unidentified).map(([reason, n]) => `skipped ${n} flow(s): ${reason}`),
    `wrote ${r.policies} ${result.plan.engine} policies for ${r.namespaces.length} namespace(s): ${r.namespaces.slice(0, 10).join(', ') || '(none)'}${r.namespaces.length > 10 ? `, and ${r.namespaces.length - 10} more` : ''}`,
    `analyzer: ${v.allowed} of ${checkable} checkable observed connection(s) allowed${v.unverifiable ? ` (${v.unverifiable} to DNS names or the API server, resolved by the engine at run time)` : ''}; ${v.newPairs.length} workload pair(s) that never talked can now connect`,
    ...v.notAllowed.map((n) => `  NOT ALLOWED: ${n}`),
    ...v.newPairs.map((n) => `  NEW PAIR: ${n}`),
    ...r.notes.map((n) => `note: ${n}`),
  ];
  return `${lines.join('\n')}\n`;
}
