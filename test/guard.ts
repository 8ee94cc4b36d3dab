import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** One failed Control Tower check: a rule on a resource of one template. */
export interface GuardFinding {
  readonly rule: string;
  /** The template file name (the main template, or a nested stack's). */
  readonly template: string;
  readonly logicalId: string;
}

/** One accepted finding: one rule on one resource, with the reason. */
export interface GuardAcknowledgement {
  readonly rule: string;
  /** A pattern for the template file name. */
  readonly template: RegExp;
  /** A pattern for the resource's logical id (CDK adds a hash suffix). */
  readonly logicalId: RegExp;
  readonly reason: string;
}

/**
 * Runs AWS Control Tower's proactive-control rules, as bundled in
 * @cdklabs/cdk-validator-cfnguard with the cfn-guard binary, over every
 * template of an assembly: the main templates and the nested stacks'
 * (which the CDK validation plugin does not receive). Returns one finding
 * per rule and resource.
 */
export function guardFindings(assemblyDir: string): GuardFinding[] {
  const pkg = path.dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json'));
  const binary = path.join(pkg, 'bin', process.platform === 'darwin' ? 'macos' : 'ubuntu', process.arch === 'arm64' ? 'aarch64' : 'x86_64', 'cfn-guard');
  const rules = path.join(pkg, 'rules', 'control-tower', 'cfn-guard');
  const templates = fs.readdirSync(assemblyDir).filter((f) => f.endsWith('.template.json')).map((f) => path.join(assemblyDir, f));
  let output: string;
  try {
    output = execFileSync(binary, ['validate', '--rules', rules, ...templates.flatMap((t) => ['--data', t]), '--output-format', 'json', '--show-summary', 'none', '--structured'], { maxBuffer: 256 * 1024 * 1024 }).toString('utf8');
  } catch (e) {
    // cfn-guard exits 19 when a rule fails; its report is still on stdout.
    output = ((e as { stdout?: Buffer }).stdout ?? Buffer.from('[]')).toString('utf8');
  }
  const results = JSON.parse(output) as { name: string; not_compliant?: { Rule: { name: string } }[] }[];
  const found = new Map<string, GuardFinding>();
  for (const result of results) {
    for (const failure of result.not_compliant ?? []) {
      const text = JSON.stringify(failure);
      for (const m of text.matchAll(/"\/Resources\/([A-Za-z0-9]+)[/"]/g)) {
        const finding = { rule: failure.Rule.name, template: path.basename(result.name), logicalId: m[1] };
        found.set(`${finding.rule} ${finding.template} ${finding.logicalId}`, finding);
      }
    }
  }
  return [...found.values()].sort((a, b) => `${a.template}${a.rule}${a.logicalId}`.localeCompare(`${b.template}${b.rule}${b.logicalId}`));
}

/** The findings no acknowledgement accepts. */
export function unacknowledged(findings: readonly GuardFinding[], acks: readonly GuardAcknowledgement[]): string[] {
  return findings
    .filter((f) => !acks.some((a) => a.rule === f.rule && a.template.test(f.template) && a.logicalId.test(f.logicalId)))
    .map((f) => `${f.rule} on ${f.logicalId} in ${f.template}`);
}
