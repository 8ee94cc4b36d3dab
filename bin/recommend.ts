// The `recommend` command. The recommender renders with cdk8s, so it is
// loaded only when this command runs (type imports below are erased).
import * as fs from 'fs';
import * as path from 'path';
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
}

/**
 * Reads the flows, writes the recommendation (YAML on stdout, or files in
 * `--out`) and the report on stderr. Returns the exit code: 1 when the
 * analyzer finds the recommendation wrong, 2 for malformed input with `--strict`.
 */
export async function recommendCommand(io: RecommendOutput, files: readonly string[], o: RecommendCliOptions): Promise<number> {
  const { recommendFromFiles, RecommendEngine, RecommendMode, FlowFormat } = await import('../lib/recommend');
  const prefixLength = bits(o.prefixLength, 32, '--prefix-length');
  const prefixLengthV6 = bits(o.prefixLengthV6, 128, '--prefix-length-v6');
  const started = Date.now();
  const result = recommendFromFiles(files, {
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
  if (o.out) {
    fs.mkdirSync(o.out, { recursive: true });
    fs.writeFileSync(path.join(o.out, 'policies.yaml'), result.yaml);
    fs.writeFileSync(path.join(o.out, 'policies.ts'), result.typescript);
    fs.writeFileSync(path.join(o.out, 'report.json'), `${JSON.stringify(result.report, undefined, 2)}\n`);
    io.stderr(`wrote ${path.join(o.out, 'policies.yaml')}, policies.ts and report.json\n`);
  } else {
    io.stdout(result.yaml);
  }
  const v = result.report.verification;
  return v.notAllowed.length > 0 || v.newPairs.length > 0 ? 1 : 0;
}

function bits(text: string, max: number, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new Error(`${flag} ${JSON.stringify(text)} is not a prefix length 0-${max}`);
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
    `wrote ${r.policies} ${result.plan.engine} policies for ${r.namespaces.length} namespace(s): ${r.namespaces.slice(0, 10).join(', ') || '(none)'}${r.namespaces.length > 10 ? `, and ${r.namespaces.length - 10} more` : ''}`,
    `analyzer: ${v.allowed} of ${checkable} checkable observed connection(s) allowed${v.unverifiable ? ` (${v.unverifiable} to DNS names or the API server, resolved by the engine at run time)` : ''}; ${v.newPairs.length} workload pair(s) that never talked can now connect`,
    ...v.notAllowed.map((n) => `  NOT ALLOWED: ${n}`),
    ...v.newPairs.map((n) => `  NEW PAIR: ${n}`),
    ...r.notes.map((n) => `note: ${n}`),
  ];
  return `${lines.join('\n')}\n`;
}
