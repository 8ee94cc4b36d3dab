// The CLI's commands. It reads manifests and flows only: it imports the
// analysis modules directly and never loads aws-cdk-lib, so it starts fast;
// `recommend` loads cdk8s (to render) only when it runs.
import * as fs from 'fs';
import * as path from 'path';
import { Command, Option } from 'commander';
import { Analysis } from '../lib/analysis/analysis';
import { diffAnalyses, diffPolicies, formatDiff, formatPolicyDiff } from '../lib/analysis/diff';
import { explain, findEndpoint, parsePortSpec } from '../lib/analysis/explain';
import { formatExposure, unreadPoliciesWarning, writeCsv, writeGraph, writeText } from '../lib/analysis/format';
import { lint, toSarif } from '../lib/analysis/lint/rules';
import { htmlReport } from '../lib/analysis/report';
import { isCloudAssembly, loadCloudAssembly } from '../lib/analysis/cloud-assembly';
import { InputProblem, loadFiles, LoadResult } from '../lib/analysis/load';
import { parseCidr } from '../lib/core/cidr';
import type { FlowFormat } from '../lib/recommend/read-flows';
import { recommendCommand, RecommendCliOptions } from './recommend';

/** Where the CLI writes. */
export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** Ends a command with an exit code (and a message on stderr). */
export class CliExit extends Error {
  constructor(public readonly code: number, message: string) {
    super(message);
  }
}

const PROCESS_OUTPUT: CliOutput = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };

/** The package version, from the package.json above this file (in `bin/` or `dist/bin/`). */
function version(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return '0.0.0';
}

/**
 * Text from the input (a file name, a field, a message quoting a value) on
 * one line: control characters, line breaks included, are escaped, so a
 * file name cannot start a line of its own that reads like ours.
 */
export function shown(text: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f\u2028\u2029]/.test(text) ? JSON.stringify(text).slice(1, -1) : text;
}

/** Exit codes: 0 ok, 1 findings or changes, 2 usage or input errors. */
const EXIT_CODES = `
Exit codes:
  0  success (nothing found, nothing changed)
  1  findings or changes: lint errors, diff --exit-code changes, recommend/replay flows that would be denied
  2  usage or input errors: an unknown option or value, unreadable input, --strict with input problems
`;

/** Large inputs get progress lines on stderr. */
const LARGE = 2000;

/** Options every reading command takes. */
interface ReadOptions {
  strict?: boolean;
  stagedAsEnforced?: boolean;
  podCidr?: string[];
  followLinks?: boolean;
  stack?: string[];
}

/** `--follow-links`: links out of the given directories are read too. */
const followLinksOption = () => new Option('--follow-links', 'follow symbolic links out of the given directories');

/** `--engine` of the commands that lint: the engine modes the linter's engine rules know. */
const lintEngineOption = (description: string) => new Option('--engine <engine>', description).choices(['calico', 'cilium', 'cilium-chaining', 'vpc-cni', 'kubernetes']);

/** An input problem as a warning line, everything from the input on one line. */
function problemLine(p: InputProblem): string {
  return `warning: ${shown(p.file)}#${p.index}${p.field ? ` ${shown(p.field)}` : ''}: ${shown(p.message)}\n`;
}

/** `--stack`, repeatable: which stacks of a cloud assembly to read. */
const stackOption = () => repeatable('--stack <name>', 'with a cloud assembly (cdk.out): read only this stack (repeatable)');

/** An option given once per value (`--x a --x b`), collected into a list. */
function repeatable(flags: string, description: string): Option {
  return new Option(flags, description).argParser((v: string, prev: string[] = []) => [...prev, v]);
}

/**
 * Reads the given paths; a path that does not exist is a usage error. A
 * cloud assembly (`cdk.out/`) is read as the manifests its stacks deliver.
 */
function readPaths(paths: readonly string[], options: ReadOptions): LoadResult {
  for (const p of paths) if (!fs.existsSync(p) && !isLink(p)) throw new CliExit(2, `${shown(p)}: no such file or directory`);
  const assemblies = paths.filter(isCloudAssembly);
  if (options.stack?.length && assemblies.length === 0) throw new CliExit(2, '--stack reads a cloud assembly (cdk.out), and none was given');
  const others = paths.filter((p) => !assemblies.includes(p));
  const results: LoadResult[] = others.length > 0 ? [loadFiles(others, { followLinks: options.followLinks })] : [];
  for (const dir of assemblies) {
    try {
      results.push(loadCloudAssembly(dir, { stacks: options.stack }));
    } catch (e) {
      throw new CliExit(2, (e as Error).message);
    }
  }
  return { objects: results.flatMap((r) => r.objects), problems: results.flatMap((r) => r.problems) };
}

function isLink(p: string): boolean {
  try { return fs.lstatSync(p).isSymbolicLink(); } catch { return false; }
}

/** `--pod-cidr`, repeatable. */
const podCidrOption = () => repeatable('--pod-cidr <cidr>', 'where pods get addresses (repeatable; on EKS, the VPC CIDRs): address rules of Kubernetes, Calico and admin policies then match pods');

function load(io: CliOutput, paths: string[], options: ReadOptions): Analysis {
  const started = Date.now();
  const input = readPaths(paths, options);
  if (input.objects.length > LARGE) io.stderr(`read ${input.objects.length} objects in ${Date.now() - started} ms\n`);
  return analyzeInput(io, input, options);
}

function analyzeInput(io: CliOutput, input: LoadResult, options: ReadOptions): Analysis {
  const started = Date.now();
  for (const c of options.podCidr ?? []) if (!parseCidr(c).cidr) throw new CliExit(2, `--pod-cidr ${JSON.stringify(c)} is not a CIDR (${parseCidr(c).error})`);
  const analysis = Analysis.of(input, { stagedAsEnforced: options.stagedAsEnforced, podCidrs: options.podCidr });
  for (const p of analysis.problems) io.stderr(problemLine(p));
  if (analysis.problems.length > 0 && !options.strict) io.stderr(`${analysis.problems.length} problem(s) in the input: the results leave those parts out (--strict to fail on them)\n`);
  const ignored = new Map<string, number>();
  for (const i of analysis.ignored) ignored.set(`${i.apiVersion}/${i.kind}`, (ignored.get(`${i.apiVersion}/${i.kind}`) ?? 0) + 1);
  if (ignored.size > 0) io.stderr(`note: kinds not analyzed: ${[...ignored].map(([k, n]) => `${k} (${n})`).join(', ')}\n`);
  const host = analysis.hostNetworkWorkloads;
  if (host.length > 0) io.stderr(`note: ${host.length} workload(s) use the host's network and are not analyzed as pods (their traffic is their node's): ${host.slice(0, 5).map(shown).join(', ')}${host.length > 5 ? ', ...' : ''}\n`);
  if (input.objects.length > LARGE) io.stderr(`modelled ${analysis.workloads.length} workloads and ${analysis.policies.length} policies in ${Date.now() - started} ms\n`);
  if (options.strict && analysis.problems.length > 0) {
    throw new CliExit(2, `${analysis.problems.length} problem(s) in the input (--strict)`);
  }
  return analysis;
}

/**
 * Runs the CLI on `argv` (as `process.argv`) and returns the exit code:
 * 0, 1 for findings or changes the command reports that way, 2 for errors.
 */
export async function runCli(argv: readonly string[], io: CliOutput = PROCESS_OUTPUT): Promise<number> {
  let exitCode = 0;
  const program = new Command();
  program.name('eks-zero-trust').description('Verify Kubernetes, Calico and Cilium network policies offline, and recommend them from observed flows.').version(version());
  program.exitOverride();
  program.addHelpText('after', EXIT_CODES);
  program.configureOutput({ writeOut: (t) => io.stdout(t), writeErr: (t) => io.stderr(t) });
  program.command('analyze')
    .description('print the allowed connections between workloads (and addresses)')
    .argument('<paths...>', 'YAML/JSON files or directories')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'csv', 'mermaid', 'dot']).default('text'))
    .option('--focus <workload>', 'only connections from or to this workload (namespace/name)')
    .option('--staged-as-enforced', 'evaluate staged policies as if enforced')
    .addOption(podCidrOption())
    .option('--possible', 'JSON: add "possible", the connections that depend on pod addresses (text output always shows them)')
    .addOption(followLinksOption())
    .addOption(stackOption())
    .option('--exposure', 'instead of connections: what the policies leave open toward peers outside the input (text, json or mermaid)')
    .option('--strict', 'fail on any input problem')
    .action((paths: string[], o: ReadOptions & { format: string; focus?: string; possible?: boolean; exposure?: boolean }) => {
      if (o.exposure && !['text', 'json', 'mermaid'].includes(o.format)) throw new CliExit(2, `--exposure writes text, json or mermaid, not ${o.format}`);
      const analysis = load(io, paths, o);
      if (o.focus) findEndpoint(analysis, o.focus);
      if (o.exposure) { io.stdout(formatExposure(analysis, o.format as 'text' | 'json' | 'mermaid', o.focus)); return; }
      const started = Date.now();
      // Every format is written as it is found: memory grows with the model, not with the output.
      const write = (chunk: string) => io.stdout(chunk);
      switch (o.format) {
        case 'json': {
          const n = analysis.writeJson(write, { possible: o.possible });
          write('\n');
          if (analysis.workloads.length > LARGE) io.stderr(`found ${n} allowed connections in ${Date.now() - started} ms\n`);
          break;
        }
        case 'csv': writeCsv(analysis, write, o.focus); break;
        case 'mermaid': case 'dot': writeGraph(analysis, o.format, write, o.focus); break;
        default: writeText(analysis, write, o.focus);
      }
    });

  program.command('explain')
    .description('explain the verdict for one connection, rule by rule: SRC DST PORT/PROTO PATHS..., or --flow LINE PATHS...')
    .argument('<args...>', 'SRC DST PORT PATHS... (src and dst: namespace/name or IP; port: PORT/PROTO such as 5432/TCP), or PATHS... with --flow')
    .option('--flow <line>', 'explain one observed flow: a Hubble or Goldmane JSON line, or a CSV row (- reads it from standard input)')
    .option('--staged-as-enforced', 'evaluate staged policies as if enforced')
    .addOption(podCidrOption())
    .addOption(followLinksOption())
    .addOption(stackOption())
    .option('--strict', 'fail on any input problem')
    .action(async (args: string[], o: ReadOptions & { flow?: string }) => {
      if (o.flow !== undefined) {
        const line = o.flow === '-' ? fs.readFileSync(0, 'utf8') : o.flow;
        const { explainFlowLine } = await import('../lib/recommend/replay');
        let result: { allowed: boolean; text: string };
        try {
          result = explainFlowLine(line, readPaths(args, o), { podCidrs: o.podCidr, stagedAsEnforced: o.stagedAsEnforced });
        } catch (e) {
          throw new CliExit(2, (e as Error).message);
        }
        io.stdout(`${result.text}\n`);
        return;
      }
      if (args.length < 4) throw new CliExit(2, 'explain needs SRC DST PORT/PROTO and at least one path (or --flow LINE and paths)');
      const [src, dst, port, ...paths] = args;
      const input = readPaths(paths, o);
      const analysis = analyzeInput(io, input, o);
      const p = parsePortSpec(port);
      const result = explain(analysis, findEndpoint(analysis, src), findEndpoint(analysis, dst), p.port, p.protocol);
      io.stdout(`${result.text}\n`);
      if (analysis.stagedPolicies.length > 0 && !o.stagedAsEnforced) {
        const staged = Analysis.of(input, { stagedAsEnforced: true, podCidrs: o.podCidr });
        const would = explain(staged, findEndpoint(staged, src), findEndpoint(staged, dst), p.port, p.protocol);
        io.stdout(`with staged policies enforced it would be ${would.allowed ? 'ALLOWED' : 'DENIED'}\n`);
      }
    });

  program.command('diff')
    .description('connections added, removed and changed between two manifest sets')
    .argument('<old>', 'file or directory before the change')
    .argument('<new>', 'file or directory after the change')
    .option('--format <format>', 'text or json', 'text')
    .option('--exit-code', 'exit with 1 when anything changed')
    .addOption(podCidrOption())
    .addOption(followLinksOption())
    .addOption(stackOption())
    .action((before: string, after: string, o: { format: string; exitCode?: boolean; podCidr?: string[]; followLinks?: boolean; stack?: string[] }) => {
      const old = load(io, [before], o);
      const now = load(io, [after], o);
      const changes = diffAnalyses(old, now);
      // Without workloads there is no connectivity to compare: what cdk.out
      // holds is policies only. Then the policy objects themselves are compared.
      const policyOnly = (old.workloads.length === 0 || now.workloads.length === 0) && (old.policies.length + now.policies.length) > 0;
      const policyChanges = policyOnly ? diffPolicies(old, now) : [];
      if (o.format === 'json') {
        io.stdout(`${JSON.stringify(policyOnly ? { connections: changes, policies: policyChanges, note: 'no workloads in the input: the policy objects are compared' } : changes)}\n`);
      } else if (policyOnly) {
        io.stdout(`no workloads in ${old.workloads.length === 0 ? before : after}: connectivity cannot be compared, so the policy objects are\n${formatPolicyDiff(policyChanges)}`);
      } else {
        io.stdout(formatDiff(changes));
      }
      if (o.exitCode && (changes.length > 0 || policyChanges.length > 0)) exitCode = 1;
    });

  program.command('lint')
    .description('find the classic network policy mistakes')
    .argument('<paths...>', 'YAML/JSON files or directories')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .addOption(lintEngineOption('what enforces the policies'))
    .addOption(podCidrOption())
    .addOption(followLinksOption())
    .addOption(stackOption())
    .action((paths: string[], o: { format: string; engine?: string; podCidr?: string[]; followLinks?: boolean; stack?: string[] }) => {
      const analysis = Analysis.of(readPaths(paths, o), { podCidrs: o.podCidr });
      const findings = lint(analysis, { engine: o.engine });
      if (o.format === 'json') io.stdout(`${JSON.stringify(findings, undefined, 2)}\n`);
      else if (o.format === 'sarif') io.stdout(`${JSON.stringify(toSarif(findings, version()), undefined, 2)}\n`);
      else io.stdout(unreadPoliciesWarning(analysis) + findings.map((f) => `${f.severity.toUpperCase().padEnd(7)} ${f.id} ${f.object}: ${f.message}. Fix: ${f.fix}`).join('\n') + (findings.length ? '\n' : 'no findings\n'));
      if (findings.some((f) => f.severity === 'error')) exitCode = 1;
    });

  program.command('replay')
    .description('judge observed flows that got through against a policy set: which would it deny, by which policy (exit 1 if any)')
    .argument('<flows...>', 'flow files: Hubble JSON lines, Calico Goldmane/Whisker JSON lines or CSV (- for standard input)')
    .requiredOption('--policies <paths...>', 'the policy set: YAML/JSON files, directories or a cloud assembly (cdk.out)')
    .option('--workloads <paths...>', 'workload manifests (their container ports resolve named ports); observed workloads not in them are stood in for by their labels')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(new Option('--flow-format <format>', 'the flow format').choices(['auto', 'hubble', 'goldmane', 'csv']).default('auto'))
    .addOption(podCidrOption())
    .addOption(stackOption())
    .action(async (files: string[], o: ReadOptions & { policies: string[]; workloads?: string[]; format: string; flowFormat: string }) => {
      const { replayFlows, replayText } = await import('../lib/recommend/replay');
      const policies = readPaths([...o.policies, ...(o.workloads ?? [])], o);
      for (const p of policies.problems) io.stderr(problemLine(p));
      const result = replayFlows(files, policies, { podCidrs: o.podCidr, format: o.flowFormat === 'auto' ? undefined : o.flowFormat as FlowFormat });
      io.stdout(o.format === 'json' ? `${JSON.stringify({ flows: result.flows, connections: result.connections, unverifiable: result.unverifiable, unidentified: result.unidentified, denied: result.denied, byPolicy: result.byPolicy })}\n` : replayText(result, o.policies.join(' ')));
      if (result.denied.length > 0) exitCode = 1;
    });

  program.command('report')
    .description('write one self-contained HTML report: graph, connectivity matrix with filters, L7/DNS restrictions, lint findings, exposure')
    .argument('<paths...>', 'YAML/JSON files, directories or a cloud assembly (cdk.out)')
    .requiredOption('--out <file>', 'the HTML file to write')
    .option('--title <title>', 'the page title')
    .addOption(lintEngineOption('what enforces the policies, for the linter'))
    .addOption(podCidrOption())
    .addOption(followLinksOption())
    .addOption(stackOption())
    .action((paths: string[], o: ReadOptions & { out: string; title?: string; engine?: string }) => {
      const analysis = load(io, paths, o);
      fs.writeFileSync(o.out, htmlReport(analysis, { title: o.title, engine: o.engine }));
      io.stderr(`wrote ${o.out}\n`);
    });

  program.command('recommend')
    .description('recommend least-privilege policies from observed flows, staged by default, checked by the analyzer')
    .argument('<flows...>', 'flow files: Hubble JSON lines, Calico Goldmane/Whisker JSON lines or CSV (- for standard input)')
    .addOption(new Option('--engine <engine>', 'the engine to write policies for').choices(['calico', 'cilium', 'kubernetes']).makeOptionMandatory())
    .addOption(new Option('--mode <mode>', 'staged: observe before enforcing (Calico staged kinds; Cilium audit mode)').choices(['staged', 'enforced']).default('staged'))
    .option('--namespace <namespace...>', 'write policies only for these namespaces (default: every observed namespace but the system ones)')
    .option('--out <dir>', 'write policies.yaml, policies.ts and report.json into this directory (default: YAML on stdout)')
    .addOption(new Option('--format <format>', 'the flow format').choices(['auto', 'hubble', 'goldmane', 'csv']).default('auto'))
    .option('--prefix-length <bits>', 'group IPv4 addresses outside the cluster into blocks of this many bits', '32')
    .option('--prefix-length-v6 <bits>', 'the same for IPv6', '128')
    .option('--merge-ports', 'merge consecutive ports into ranges')
    .option('--label-keys <keys>', 'comma-separated label keys that identify a workload, most preferred first')
    .option('--strict', 'fail on any malformed line')
    .option('--threads <n>', 'threads that read one large flow file, each a part of it (default: one per CPU core and 64 MiB of the file, at most 4)')
    .option('--force', 'with --out: replace files there that recommend did not write')
    .option('--against <paths...>', 'the deployed policies: report their rules that allow what no observed flow used, with the narrower rule the flows justify (observed addresses shown as --prefix-length blocks the rule allows whole)')
    .action(async (files: string[], o: RecommendCliOptions) => {
      exitCode = await recommendCommand(io, files, o, (paths) => readPaths(paths, {}));
    });

  try {
    await program.parseAsync([...argv]);
  } catch (e) {
    if (e instanceof CliExit) { io.stderr(`error: ${e.message}\n`); return e.code; }
    const code = (e as { code?: string; exitCode?: number }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return 0;
    // Every other commander error is a usage error (unknown option, bad value, missing argument).
    if (typeof code === 'string' && code.startsWith('commander.')) return 2;
    io.stderr(`error: ${(e as Error).message}\n`);
    return 2;
  }
  return exitCode;
}
