#!/usr/bin/env node
// The CLI reads manifests only: it imports the analysis modules directly and
// never loads aws-cdk-lib, so it starts fast.
import { Command, Option } from 'commander';
import { Analysis } from '../lib/analysis/analysis';
import { diffAnalyses, formatDiff } from '../lib/analysis/diff';
import { explain, findEndpoint, parsePortSpec } from '../lib/analysis/explain';
import { formatCsv, formatGraph, formatText } from '../lib/analysis/format';
import { lint, toSarif } from '../lib/analysis/lint/rules';
import { loadFiles, LoadResult } from '../lib/analysis/load';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = require('../../package.json').version;

function load(paths: string[], options: { strict?: boolean; stagedAsEnforced?: boolean }): Analysis {
  return analyzeInput(loadFiles(paths), options);
}

function analyzeInput(input: LoadResult, options: { strict?: boolean; stagedAsEnforced?: boolean }): Analysis {
  const started = Date.now();
  const analysis = Analysis.of(input, { stagedAsEnforced: options.stagedAsEnforced });
  for (const p of analysis.problems) process.stderr.write(`warning: ${p.file}#${p.index}${p.field ? ` ${p.field}` : ''}: ${p.message}\n`);
  const ignored = new Map<string, number>();
  for (const i of analysis.ignored) ignored.set(`${i.apiVersion}/${i.kind}`, (ignored.get(`${i.apiVersion}/${i.kind}`) ?? 0) + 1);
  if (ignored.size > 0) process.stderr.write(`note: kinds not analyzed: ${[...ignored].map(([k, n]) => `${k} (${n})`).join(', ')}\n`);
  if (input.objects.length > 2000) process.stderr.write(`read ${input.objects.length} objects in ${Date.now() - started} ms\n`);
  if (options.strict && analysis.problems.length > 0) {
    process.stderr.write(`error: ${analysis.problems.length} problem(s) in the input (--strict)\n`);
    process.exit(2);
  }
  return analysis;
}

const program = new Command();
program.name('eks-zero-trust').description('Verify Kubernetes, Calico and Cilium network policies offline.').version(VERSION);

program.command('analyze')
  .description('print the allowed connections between workloads (and addresses)')
  .argument('<paths...>', 'YAML/JSON files or directories')
  .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'csv', 'mermaid', 'dot']).default('text'))
  .option('--focus <workload>', 'only connections from or to this workload (namespace/name)')
  .option('--staged-as-enforced', 'evaluate staged policies as if enforced')
  .option('--strict', 'fail on any input problem')
  .action((paths: string[], o: { format: string; focus?: string; stagedAsEnforced?: boolean; strict?: boolean }) => {
    const analysis = load(paths, o);
    if (o.focus) findEndpoint(analysis, o.focus);
    const started = Date.now();
    let out: string;
    switch (o.format) {
      case 'json': out = `${JSON.stringify(analysis.toJson())}\n`; break;
      case 'csv': out = formatCsv(analysis, o.focus); break;
      case 'mermaid': case 'dot': out = formatGraph(analysis, o.format, o.focus); break;
      default: out = formatText(analysis, o.focus);
    }
    if (analysis.workloads.length > 1000) process.stderr.write(`analyzed ${analysis.workloads.length} workloads in ${Date.now() - started} ms\n`);
    process.stdout.write(out);
  });

program.command('explain')
  .description('explain the verdict for one connection, rule by rule')
  .argument('<src>', 'source workload (namespace/name) or IP')
  .argument('<dst>', 'destination workload or IP')
  .argument('<port>', 'PORT/PROTO, such as 5432/TCP')
  .argument('<paths...>', 'YAML/JSON files or directories')
  .option('--staged-as-enforced', 'evaluate staged policies as if enforced')
  .option('--strict', 'fail on any input problem')
  .action((src: string, dst: string, port: string, paths: string[], o: { stagedAsEnforced?: boolean; strict?: boolean }) => {
    const input = loadFiles(paths);
    const analysis = analyzeInput(input, o);
    const p = parsePortSpec(port);
    const result = explain(analysis, findEndpoint(analysis, src), findEndpoint(analysis, dst), p.port, p.protocol);
    process.stdout.write(`${result.text}\n`);
    if (analysis.stagedPolicies.length > 0 && !o.stagedAsEnforced) {
      const staged = Analysis.of(input, { stagedAsEnforced: true });
      const would = explain(staged, findEndpoint(staged, src), findEndpoint(staged, dst), p.port, p.protocol);
      process.stdout.write(`with staged policies enforced it would be ${would.allowed ? 'ALLOWED' : 'DENIED'}\n`);
    }
  });

program.command('diff')
  .description('connections added, removed and changed between two manifest sets')
  .argument('<old>', 'file or directory before the change')
  .argument('<new>', 'file or directory after the change')
  .option('--format <format>', 'text or json', 'text')
  .option('--exit-code', 'exit with 1 when anything changed')
  .action((before: string, after: string, o: { format: string; exitCode?: boolean }) => {
    const changes = diffAnalyses(load([before], {}), load([after], {}));
    process.stdout.write(o.format === 'json' ? `${JSON.stringify(changes)}\n` : formatDiff(changes));
    if (o.exitCode && changes.length > 0) process.exitCode = 1;
  });

program.command('lint')
  .description('find the classic network policy mistakes')
  .argument('<paths...>', 'YAML/JSON files or directories')
  .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
  .addOption(new Option('--engine <engine>', 'what enforces the policies').choices(['calico', 'cilium', 'cilium-chaining', 'vpc-cni', 'kubernetes']))
  .action((paths: string[], o: { format: string; engine?: string }) => {
    const analysis = Analysis.of(loadFiles(paths));
    const findings = lint(analysis, { engine: o.engine });
    if (o.format === 'json') process.stdout.write(`${JSON.stringify(findings, undefined, 2)}\n`);
    else if (o.format === 'sarif') process.stdout.write(`${JSON.stringify(toSarif(findings, VERSION), undefined, 2)}\n`);
    else process.stdout.write(findings.map((f) => `${f.severity.toUpperCase().padEnd(7)} ${f.id} ${f.object}: ${f.message}. Fix: ${f.fix}`).join('\n') + (findings.length ? '\n' : 'no findings\n'));
    if (findings.some((f) => f.severity === 'error')) process.exitCode = 1;
  });

program.parseAsync(process.argv).catch((e: Error) => {
  process.stderr.write(`error: ${e.message}\n`);
  process.exit(2);
});
