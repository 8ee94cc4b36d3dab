/**
 * Connectivity checks inside the CDK workflow: a policy-validation plugin
 * (aws-cdk-lib `IPolicyValidationPlugin`, and the older `...Beta1`) that lints what every policy
 * delivery applies, and checks connectivity expectations declared in the
 * app, so `cdk synth` fails with the construct path on a finding.
 */
import { CfnResource, IPolicyValidationContext, IPolicyValidationPlugin, IPolicyValidationPluginBeta1, PolicyValidationPluginReportBeta1, PolicyViolationBeta1, Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as path from 'path';
import { Analysis } from '../analysis/analysis';
import { explain, findEndpoint, parsePortSpec } from '../analysis/explain';
import { lint, LINT_RULES, Severity } from '../analysis/lint/rules';
import { fromObjects } from '../analysis/load';
import { CiliumMode, PolicyEngineKind } from '../cluster/policy-engine';
import { PolicyEngineInstallation } from '../cluster/policy-engine-installation';
import { PolicyDelivery } from '../delivery/policy-delivery';
import { KubeObject } from '../manifests/types';
import { appendTo } from '../core/collections';

/** A connection an app expects to be allowed or denied: `[src, dst, 'PORT/PROTO']`, ends as workload ids (`namespace/name`) or addresses. */
export type ExpectedConnection = readonly [src: string, dst: string, port: string];

/** Props of ConnectivityValidation. */
export interface ConnectivityValidationProps {
  /**
   * Lint severities that fail the synth.
   * @default ['error']
   */
  readonly failOn?: readonly Severity[];
  /**
   * Workloads (Deployments, Pods, Namespaces...) analyzed with each cluster's
   * policies, so workload rules (DNS, isolation) and expectations have pods.
   * @default none: only the policies are checked
   */
  readonly workloads?: readonly KubeObject[];
  /**
   * Connections that must be allowed.
   * @default none
   */
  readonly allowed?: readonly ExpectedConnection[];
  /**
   * Connections that must be denied.
   * @default none
   */
  readonly denied?: readonly ExpectedConnection[];
}

/** The rule id of a connectivity expectation that does not hold. */
export const EXPECTATION_RULE = 'EZT-EXPECT';

/**
 * Lints the policies every `PolicyDelivery` (and `addPolicies`) of the app
 * applies, per cluster, with the cluster's engine, and checks the declared
 * expectations. Register it on the app:
 *
 * ```ts
 * Validations.of(app).addPlugins(new ConnectivityValidation({ denied: [['tenant-a/web', 'tenant-b/db', '5432/TCP']] }));
 * ```
 *
 * (or `new App({ policyValidationBeta1: [...] })` on older aws-cdk-lib).
 *
 * Each violation names the delivery's construct path and its Helm release
 * resources; `cdk synth` then fails with the validation report.
 */
export class ConnectivityValidation implements IPolicyValidationPlugin, IPolicyValidationPluginBeta1 {
  /** The plugin's name in the validation report. */
  public readonly name = 'eks-zero-trust-connectivity';
  /** The rules it evaluates. */
  public readonly ruleIds = [...LINT_RULES.map((r) => r.id), 'EZT000', EXPECTATION_RULE];

  constructor(private readonly props: ConnectivityValidationProps = {}) {}

  /** Called by the CDK after synthesis. */
  public validate(context: IPolicyValidationContext): PolicyValidationPluginReportBeta1 {
    const failOn = this.props.failOn ?? ['error'];
    const byCluster = new Map<eks.ICluster, PolicyDelivery[]>();
    for (const d of PolicyDelivery.allIn(context.appConstruct)) {
      appendTo(byCluster, d.cluster, d);
    }
    const violations: PolicyViolationBeta1[] = [];
    for (const [cluster, deliveries] of byCluster) {
      const objects = [...deliveries.flatMap((d) => d.delivered.flatMap((r) => r.objects)), ...(this.props.workloads ?? [])];
      const analysis = Analysis.of(fromObjects(objects, `policies of ${cluster.node.path}`));
      const resources = deliveries.flatMap((d) => resourcesOf(d, context.templatePaths));
      for (const f of lint(analysis, { engine: lintEngine(cluster) })) {
        if (!failOn.includes(f.severity)) continue;
        violations.push({
          ruleName: `${f.id} ${LINT_RULES.find((r) => r.id === f.id)?.name ?? 'invalid-input'}`,
          description: `${deliveries.map((d) => d.node.path).join(', ')}: ${f.object}: ${f.message}`,
          fix: f.fix,
          severity: f.severity,
          violatingResources: resources.map((r) => ({ ...r, locations: [f.object] })),
        });
      }
      const expectations = [...(this.props.allowed ?? []).map((e) => [e, true] as const), ...(this.props.denied ?? []).map((e) => [e, false] as const)];
      for (const [[src, dst, port], wanted] of expectations) {
        const verdict = expectationVerdict(analysis, src, dst, port);
        if (verdict.allowed === wanted) continue;
        violations.push({
          ruleName: `${EXPECTATION_RULE} ${wanted ? 'expected-allowed' : 'expected-denied'}`,
          description: `${cluster.node.path}: ${src} -> ${dst} ${port} is ${verdict.allowed ? 'allowed' : 'denied'}, expected ${wanted ? 'allowed' : 'denied'}: ${verdict.text}`,
          fix: wanted ? 'allow the connection (ZeroTrustNamespace.allow / ClusterPolicy), or drop the expectation' : 'remove the rule that allows it, or drop the expectation',
          severity: 'error',
          violatingResources: resources.map((r) => ({ ...r, locations: [`${src} -> ${dst} ${port}`] })),
        });
      }
    }
    return { success: violations.length === 0, violations };
  }
}

/** The verdict on one expectation; an unknown end is a failed expectation saying so. */
function expectationVerdict(analysis: Analysis, src: string, dst: string, port: string): { allowed: boolean; text: string } {
  try {
    const p = parsePortSpec(port);
    const e = explain(analysis, findEndpoint(analysis, src), findEndpoint(analysis, dst), p.port, p.protocol);
    return { allowed: e.allowed, text: e.text.replace(/\n\s*/g, '; ') };
  } catch (e) {
    return { allowed: false, text: (e as Error).message };
  }
}

/** What the linter should assume of a cluster's engine. */
function lintEngine(cluster: eks.ICluster): string | undefined {
  const engine = PolicyEngineInstallation.of(cluster)?.engine;
  if (!engine) return undefined;
  if (engine.kind === PolicyEngineKind.CILIUM) return engine._cilium.mode === CiliumMode.ENI ? 'cilium' : 'cilium-chaining';
  return engine.kind === PolicyEngineKind.CALICO ? 'calico' : 'vpc-cni';
}

/** The delivery's release resources, as logical ids in their stack's template. */
function resourcesOf(delivery: PolicyDelivery, templatePaths: readonly string[]): { resourceLogicalId: string; templatePath: string }[] {
  return [...delivery.releases, ...delivery.manifests].map((r) => {
    const stack = Stack.of(r);
    const cfn = r.node.findAll().find((c): c is CfnResource => CfnResource.isCfnResource(c));
    const logicalId = cfn ? stack.resolve(cfn.logicalId) as string : r.node.id;
    const templatePath = templatePaths.find((t) => path.basename(t) === stack.templateFile) ?? stack.templateFile;
    return { resourceLogicalId: logicalId, templatePath };
  });
}
