import { parseCidr } from '../core/cidr';
import { Problems } from '../core/errors';
import { dns1123LabelError, dns1123SubdomainError } from '../core/names';
import { PolicyIntent } from './intent';
import { PeerSpec } from './peer';
import { Protocol } from './port';
import { CALICO_DEFAULT_TIER } from './render/calico';
import { ClusterNetworkPolicyApi, clusterNetworkPolicyApi } from './render/cluster-network-policy';
import { Rule, RuleAction } from './rule';
import { PolicyDialect, PolicyFeature, PolicyTarget } from './target';

/** What checking an intent found: problems fail the synth, warnings do not. */
export interface IntentCheck {
  /** Problems, in the library's message shape. */
  readonly problems: Problems;
  /** Warnings: `[id, message]` pairs with stable ids. */
  readonly warnings: readonly (readonly [string, string])[];
}

/** What the construct layer knows around an intent. */
export interface IntentContext {
  /**
   * The default action of the intent's Calico tier, when a `PolicyTier` of
   * the app defines it.
   * @default - unknown (the default tier's is Deny)
   */
  readonly tierDefaultAction?: 'Deny' | 'Pass';
}

/** The stable ids of the policy layer's warnings. */
export const POLICY_WARNINGS = {
  ciliumStaged: 'eks-zero-trust:cilium-staged',
  apiServerCidrBroad: 'eks-zero-trust:api-server-cidr-broad',
  domainNamesAutoMode: 'eks-zero-trust:domain-names-auto-mode',
} as const;

/**
 * The VPC CNI enforces at most 24 port and protocol combinations for one
 * address range (CIDR), counted across all policies (EKS user guide,
 * cni-network-policy.html, "Considerations"). Checked per policy at synth
 * (a lower bound); the README says it counts across policies.
 */
export const VPC_CNI_PORTS_PER_CIDR = 24;

const ACTION_FEATURE: { [action: string]: PolicyFeature | undefined } = {
  [RuleAction.ALLOW]: undefined,
  [RuleAction.DENY]: PolicyFeature.DENY,
  [RuleAction.LOG]: PolicyFeature.LOG,
  [RuleAction.PASS]: PolicyFeature.PASS,
};

type Needs = (feature: PolicyFeature, property: string, value: unknown, what: string) => void;

/**
 * Checks an intent against Kubernetes naming rules and against what `target`
 * can enforce with the meaning the library gives it, collecting every
 * problem. `path` is the construct path.
 */
export function checkIntent(intent: PolicyIntent, target: PolicyTarget, path: string, context: IntentContext = {}): IntentCheck {
  const problems = new Problems();
  const warnings: [string, string][] = [];
  const needs: Needs = (feature, property, value, what) => {
    if (target.supports(feature)) return;
    const engines = PolicyTarget.targetsSupporting(feature);
    problems.add({
      path, property, value,
      problem: `needs ${feature}, which ${target.displayName} cannot enforce (${what})`,
      fix: engines.length > 0 ? `remove it, or run an engine that can: ${engines.join(', ')}` : 'remove it',
    });
  };

  const nameError = dns1123SubdomainError(intent.name);
  if (nameError) problems.add({ path, property: 'name', value: intent.name, problem: nameError, fix: 'use lowercase letters, digits and "-"' });
  if (intent.namespace !== undefined) {
    const nsError = dns1123LabelError(intent.namespace);
    if (nsError) problems.add({ path, property: 'namespace', value: intent.namespace, problem: nsError, fix: 'use the namespace name as Kubernetes stores it' });
  }
  intent.appliesTo.validate(problems, path, 'appliesTo');
  intent.appliesToNamespaces?.validate(problems, path, 'appliesToNamespaces');
  if (intent.ingress === undefined && intent.egress === undefined) {
    problems.add({ path, property: 'directions', value: [], problem: 'has neither ingress nor egress, so the policy does nothing', fix: 'give ingress or egress rules (an empty list denies that direction)' });
  }
  if (intent.clusterNetworkPolicy) needs(PolicyFeature.CLUSTER_NETWORK_POLICY, 'clusterNetworkPolicy', true, 'the upstream ClusterNetworkPolicy API');
  const cnp = clusterNetworkPolicyApi(intent, target);
  if (cnp) {
    checkClusterNetworkPolicy(intent, cnp, path, problems, warnings);
    return { problems, warnings };
  }
  if (intent.guardrailTier !== undefined) {
    problems.add({ path, property: 'guardrailTier', value: intent.guardrailTier, problem: 'applies to ClusterNetworkPolicy only, which this policy is not rendered as', fix: 'set clusterNetworkPolicy: true on the cluster-wide policy, or remove guardrailTier' });
  }
  if (intent.namespace === undefined) needs(PolicyFeature.CLUSTER_WIDE, 'scope', 'cluster-wide', 'Kubernetes NetworkPolicy is namespaced');
  if (!intent.isolate && target.dialect === PolicyDialect.KUBERNETES) {
    problems.add({ path, property: 'isolate', value: false, problem: `asks for a non-isolating guardrail, but ${target.displayName} policies always isolate the pods they select`, fix: 'remove isolate: false, or run Calico or Cilium' });
  }
  if (intent.tier !== undefined) {
    needs(PolicyFeature.TIERS, 'tier', intent.tier, 'tiers are a Calico feature');
    const tierError = dns1123LabelError(intent.tier);
    if (tierError) problems.add({ path, property: 'tier', value: intent.tier, problem: tierError, fix: 'use a DNS-1123 label' });
  }
  if (intent.order !== undefined) {
    needs(PolicyFeature.TIERS, 'order', intent.order, 'policy order is a Calico feature');
    if (!Number.isFinite(intent.order) || intent.order < 0) problems.add({ path, property: 'order', value: intent.order, problem: 'is not a non-negative number', fix: 'use a number such as 100; lower orders are evaluated first' });
  }
  if (target.dialect === PolicyDialect.CALICO) checkCalicoPrecedence(intent, path, problems, context);
  if (intent.staged) {
    if (target.dialect === PolicyDialect.CILIUM) {
      warnings.push([POLICY_WARNINGS.ciliumStaged, `${path}: Cilium has no staged policies, so this policy is written enforced. Observe it first with the engine's policy audit mode (PolicyEngine.cilium({ policyAuditMode: true })), a cluster-wide setting.`]);
    } else {
      needs(PolicyFeature.STAGED, 'staged', true, 'staged policies are a Calico feature');
    }
  }
  checkRules(intent, 'ingress', intent.ingress ?? [], target, path, problems, warnings, needs);
  checkRules(intent, 'egress', intent.egress ?? [], target, path, problems, warnings, needs);
  if (target === PolicyTarget.VPC_CNI) checkVpcCniLimits(intent, path, problems);
  return { problems, warnings };
}

/**
 * Calico decides with the first rule that matches, policy by policy in
 * order within a tier, and a tier's unmatched traffic meets its default
 * action (docs.tigera.io/calico/latest/reference/resources/tier). Two
 * meanings this library gives everywhere must hold there too:
 * - a guardrail (isolate: false) leaves what its rules do not match to later
 *   policies: only a tier whose `defaultAction` is Pass does that, and a
 *   catch-all Pass rule would also skip every later policy of the tier;
 * - deny wins: policies that deny get an order before the ones that allow
 *   (render/calico.ts CALICO_POLICY_ORDERS), which one policy that does both
 *   cannot have.
 */
function checkCalicoPrecedence(intent: PolicyIntent, path: string, problems: Problems, context: IntentContext): void {
  if (!intent.isolate) {
    const tier = intent.tier ?? CALICO_DEFAULT_TIER;
    if (tier === CALICO_DEFAULT_TIER) {
      problems.add({ path, property: 'isolate', value: false, problem: 'makes a guardrail in Calico\'s default tier, whose unmatched traffic is denied (its default action is Deny), so the guardrail would isolate every pod it selects', fix: 'put it in a PolicyTier with defaultAction: TierDefaultAction.PASS, ordered before the default tier' });
    } else if (context.tierDefaultAction === undefined) {
      problems.add({ path, property: 'tier', value: tier, problem: 'is not a PolicyTier of this app, so whether traffic the guardrail does not match goes on to later tiers is unknown', fix: 'define the tier with new PolicyTier(chart, ..., { defaultAction: TierDefaultAction.PASS }) in the same cdk8s app' });
    } else if (context.tierDefaultAction === 'Deny') {
      problems.add({ path, property: 'tier', value: tier, problem: 'has defaultAction Deny, so a guardrail in it would isolate every pod it selects', fix: 'give the tier defaultAction: TierDefaultAction.PASS, or set isolate: true' });
    }
  }
  if (intent.order === undefined) {
    const rules = [...(intent.ingress ?? []), ...(intent.egress ?? [])];
    const decides = rules.filter((r) => r.action === RuleAction.DENY || r.action === RuleAction.PASS);
    if (decides.length > 0 && rules.some((r) => r.action === RuleAction.ALLOW)) {
      problems.add({ path, property: 'rules', value: [...new Set(rules.map((r) => r.action))], problem: 'mix Allow with Deny or Pass in one policy, which Calico orders as one: its allowances would come before other policies\' denies, where Cilium lets every deny win', fix: 'put the Deny and Pass rules in a policy of their own (ZeroTrustNamespace.deny does), or set order explicitly' });
    }
  }
}

function checkRules(
  intent: PolicyIntent,
  direction: 'ingress' | 'egress',
  rules: readonly Rule[],
  target: PolicyTarget,
  path: string,
  problems: Problems,
  warnings: [string, string][],
  needs: Needs,
): void {
  const seen = new Map<string, number>();
  rules.forEach((rule, index) => {
    const property = `${direction}[${index}]`;
    const text = rule.describe();
    const first = seen.get(text);
    if (first !== undefined) {
      problems.add({ path, property, value: text, problem: `repeats ${direction}[${first}]`, fix: 'remove the duplicate rule' });
    }
    seen.set(text, index);
    const feature = ACTION_FEATURE[rule.action];
    if (feature) needs(feature, `${property} action`, rule.action, `it has no ${rule.action} action`);
    rule.peers.forEach((peer, p) => {
      peer.validate(problems, path, `${property} peer ${p}`);
      for (const spec of peer.specs) checkPeer(spec, rule, intent, direction, target, path, `${property} peer ${p}`, problems, warnings, needs);
    });
    const portProtocols = new Set<string>();
    rule.ports.forEach((port, p) => {
      port.validate(problems, path, `${property} port ${p}`);
      const key = port.describe();
      if (portProtocols.has(key)) problems.add({ path, property: `${property} port ${p}`, value: key, problem: 'is listed twice in the same rule', fix: 'remove the duplicate port' });
      portProtocols.add(key);
      if (port.isIcmp) {
        needs(PolicyFeature.ICMP, `${property} port ${p}`, key, 'Kubernetes NetworkPolicy matches TCP, UDP and SCTP only');
        // Cilium's ICMP rules match a type and a family, no code (cilium pkg/policy/api/icmp.go ICMPField).
        if (target.dialect === PolicyDialect.CILIUM && port.icmpType === undefined) problems.add({ path, property: `${property} port ${p}`, value: key, problem: 'matches every ICMP type, but Cilium matches ICMP by type only', fix: 'name the type, such as Port.icmp(8) for echo requests' });
        if (target.dialect === PolicyDialect.CILIUM && port.icmpCode !== undefined) problems.add({ path, property: `${property} port ${p}`, value: key, problem: 'names an ICMP code, which Cilium cannot match (it matches the type)', fix: 'drop the code, or run Calico' });
      }
    });
    if (rule.http.length > 0) {
      needs(PolicyFeature.L7_HTTP, `${property} http`, rule.http, 'HTTP rules are L7');
      if (rule.action !== RuleAction.ALLOW) problems.add({ path, property: `${property} http`, value: rule.http, problem: `is on a ${rule.action} rule; engines apply L7 rules to allowed connections only`, fix: 'put HTTP matches on an allow rule' });
      if (rule.ports.length === 0 || rule.ports.some((p) => p.protocol !== Protocol.TCP)) {
        problems.add({ path, property: `${property} http`, value: rule.ports.map((p) => p.describe()), problem: 'needs TCP ports to inspect', fix: 'list the TCP ports the HTTP server listens on, such as Port.tcp(80)' });
      }
      rule.http.forEach((h, i) => {
        if (h.method !== undefined && !/^[A-Z]+$/.test(h.method)) problems.add({ path, property: `${property} http[${i}] method`, value: h.method, problem: 'is not an HTTP method in capitals', fix: 'use a method such as "GET"' });
        if (h.path !== undefined && !h.path.startsWith('/')) problems.add({ path, property: `${property} http[${i}] path`, value: h.path, problem: 'does not start with "/"', fix: `write "/${h.path}"` });
      });
    }
  });
}

function checkPeer(
  spec: PeerSpec,
  rule: Rule,
  intent: PolicyIntent,
  direction: 'ingress' | 'egress',
  target: PolicyTarget,
  path: string,
  property: string,
  problems: Problems,
  warnings: [string, string][],
  needs: Needs,
): void {
  switch (spec.kind) {
    case 'pods':
      if (intent.namespace === undefined && spec.namespaces.kind === 'same') {
        problems.add({ path, property, value: spec.pods.describe(), problem: 'means "pods of the policy\'s namespace", but a cluster-wide policy has none', fix: 'use Peer.podsIn(namespace, labels) or Peer.podsInNamespacesMatching(...)' });
      }
      return;
    case 'fqdn':
      needs(PolicyFeature.FQDN, property, spec.matchName ?? spec.matchPattern, 'FQDN rules need a DNS-aware proxy');
      if (direction === 'ingress') problems.add({ path, property, value: spec.matchName ?? spec.matchPattern, problem: 'is a domain name on an ingress rule; engines match names on egress only', fix: 'use it in an egress rule' });
      // Cilium's EgressDenyRule has no toFQDNs (cilium pkg/policy/api/egress.go: EgressDenyRule
      // holds EgressCommonRule and ToPorts only); a name cannot be denied.
      if (rule.action !== RuleAction.ALLOW) problems.add({ path, property, value: spec.matchName ?? spec.matchPattern, problem: `is a domain name on a ${rule.action} rule; engines match names only to allow them`, fix: 'allow only the names you trust (the default deny drops the rest), or deny the addresses with Peer.ipBlock' });
      return;
    case 'service':
      needs(PolicyFeature.SERVICE_PEERS, property, `${spec.namespace}/${spec.name}`, 'Kubernetes NetworkPolicy cannot name services');
      if (direction === 'ingress') problems.add({ path, property, value: `${spec.namespace}/${spec.name}`, problem: 'is a service on an ingress rule; services are destinations', fix: 'use it in an egress rule, or select the pods behind it' });
      return;
    case 'apiServer':
      if (target.dialect === PolicyDialect.KUBERNETES && spec.cidrs.length === 0) {
        problems.add({ path, property, value: 'kube-apiserver', problem: `has no addresses, and ${target.displayName} can only name the API server by address`, fix: 'give Peer.kubeApiServer({ cidrs: [...] }) the API server\'s own addresses as /32 blocks: the endpoints of default/kubernetes and its ClusterIP (kubectl get endpoints,service kubernetes -n default); not the VPC\'s block, which would open the rule to every address in the VPC' });
      }
      for (const c of spec.cidrs) {
        const block = parseCidr(c).cidr;
        if (block && block.prefix < (block.family === 'IPv4' ? 24 : 120)) {
          warnings.push([POLICY_WARNINGS.apiServerCidrBroad, `${path}: ${property} names the API server by ${c}, ${2 ** ((block.family === 'IPv4' ? 32 : 128) - block.prefix)} addresses, where the API server has a handful; every address in it gets the rule. Give the endpoints of default/kubernetes and its ClusterIP as /32 blocks.`]);
        }
      }
      return;
    case 'nodes':
      if (target.dialect !== PolicyDialect.CILIUM && spec.cidrs.length === 0) {
        problems.add({ path, property, value: 'nodes', problem: `has no addresses, and ${target.displayName} matches nodes by address`, fix: 'give Peer.nodes({ cidrs: [...] }) the blocks of the node subnets' });
      }
      return;
    case 'cidr':
    case 'internet':
    case 'podIdentityAgent':
    case 'any':
      return;
  }
}

/** The VPC CNI's per-CIDR limit on port and protocol combinations (VPC_CNI_PORTS_PER_CIDR). */
function checkVpcCniLimits(intent: PolicyIntent, path: string, problems: Problems): void {
  for (const direction of ['ingress', 'egress'] as const) {
    const byCidr = new Map<string, Set<string>>();
    for (const rule of intent[direction] ?? []) {
      const cidrs = rule.peers.flatMap((p) => p.specs).flatMap((s) => (s.kind === 'cidr' ? [s.cidr] : s.kind === 'internet' ? ['0.0.0.0/0', '::/0'] : []));
      for (const cidr of cidrs) {
        const ports = byCidr.get(cidr) ?? new Set<string>();
        rule.ports.forEach((p) => ports.add(p.describe()));
        byCidr.set(cidr, ports);
      }
    }
    for (const [cidr, ports] of byCidr) {
      if (ports.size > VPC_CNI_PORTS_PER_CIDR) {
        problems.add({ path, property: `${direction} ports for ${cidr}`, value: ports.size, problem: `are more port and protocol combinations than the ${VPC_CNI_PORTS_PER_CIDR} the VPC CNI's node agent keeps per CIDR; the rest would be dropped`, fix: 'merge ports into ranges (Port.range), or split the block' });
      }
    }
  }
}

/**
 * What a ClusterNetworkPolicy can say: non-isolating rules in an Admin or
 * Baseline tier, Accept/Deny/Pass, pods, namespaces and networks without
 * exceptions (network-policy-api v0.2.0 and networking.k8s.aws v1alpha1
 * ClusterNetworkPolicySpec), and for the Amazon EKS API domain names on
 * Accept egress rules.
 */
function checkClusterNetworkPolicy(intent: PolicyIntent, api: ClusterNetworkPolicyApi, path: string, problems: Problems, warnings: [string, string][]): void {
  const what = api === ClusterNetworkPolicyApi.AMAZON_EKS ? 'an Amazon EKS ClusterNetworkPolicy' : 'a ClusterNetworkPolicy';
  if (intent.isolate) problems.add({ path, property: 'isolate', value: true, problem: `is rendered as ${what}, which never isolates: what its rules leave goes on to the namespaces' policies`, fix: 'remove isolate: true, and isolate namespaces with ZeroTrustNamespace' });
  if (intent.staged) problems.add({ path, property: 'staged', value: true, problem: `is rendered as ${what}, which has no staged form`, fix: 'remove staged' });
  if (intent.tier !== undefined) problems.add({ path, property: 'tier', value: intent.tier, problem: `is a Calico tier, but the policy is rendered as ${what}`, fix: 'use guardrailTier (Admin or Baseline) instead' });
  if (intent.order !== undefined && !(Number.isInteger(intent.order) && intent.order >= 0 && intent.order <= 1000)) {
    problems.add({ path, property: 'order', value: intent.order, problem: 'is not a ClusterNetworkPolicy priority (a whole number from 0 to 1000)', fix: 'use a priority such as 100; lower is evaluated first' });
  }
  for (const direction of ['ingress', 'egress'] as const) {
    (intent[direction] ?? []).forEach((rule, index) => {
      const property = `${direction}[${index}]`;
      if (rule.action === RuleAction.LOG) problems.add({ path, property: `${property} action`, value: rule.action, problem: `has no counterpart in ${what} (Accept, Deny, Pass)`, fix: 'remove the Log rule' });
      if (rule.http.length > 0) problems.add({ path, property: `${property} http`, value: rule.http, problem: `is L7, which ${what} cannot say`, fix: 'use a Cilium policy for HTTP rules' });
      rule.ports.forEach((port, p) => {
        port.validate(problems, path, `${property} port ${p}`);
        if (port.isIcmp) problems.add({ path, property: `${property} port ${p}`, value: port.describe(), problem: `is ICMP, which ${what} cannot match`, fix: 'remove it' });
      });
      const specs = rule.peers.flatMap((peer) => peer.specs);
      rule.peers.forEach((peer, p) => peer.validate(problems, path, `${property} peer ${p}`));
      if (specs.filter((s) => s.kind === 'cidr').length > 25) problems.add({ path, property: `${property} peers`, value: specs.length, problem: 'name more than the 25 networks a ClusterNetworkPolicy peer holds', fix: 'merge the blocks, or split the rule' });
      for (const spec of specs) {
        const peerProblem = cnpPeerProblem(spec, rule, direction, api);
        if (peerProblem) problems.add({ path, property: `${property} peer`, value: spec.kind, problem: peerProblem.problem, fix: peerProblem.fix });
        if (spec.kind === 'fqdn' && api === ClusterNetworkPolicyApi.AMAZON_EKS) {
          warnings.push([POLICY_WARNINGS.domainNamesAutoMode, `${path}: ${property} egress to domain names: Amazon EKS documents DNS-based admin policies for EKS Auto Mode; on EC2 node groups check that your VPC CNI enforces domainNames before relying on them.`]);
        }
      }
    });
  }
}

function cnpPeerProblem(spec: PeerSpec, rule: Rule, direction: 'ingress' | 'egress', api: ClusterNetworkPolicyApi): { problem: string; fix: string } | undefined {
  switch (spec.kind) {
    case 'pods':
      return spec.namespaces.kind === 'same' ? { problem: 'means "pods of the policy\'s namespace", but a cluster-wide policy has none', fix: 'use Peer.podsIn(namespace, labels) or Peer.podsInNamespacesMatching(...)' } : undefined;
    case 'any':
      return undefined;
    case 'cidr':
      return spec.except.length > 0 ? { problem: `is ${spec.cidr} except ${spec.except.join(', ')}; a ClusterNetworkPolicy network has no exceptions`, fix: 'deny or pass the excepted blocks in a rule before this one, and name the block alone' } : undefined;
    case 'internet':
      return { problem: 'is the internet, a block with exceptions, which a ClusterNetworkPolicy network cannot have', fix: 'deny or pass the private blocks in a rule before one that accepts 0.0.0.0/0' };
    case 'fqdn':
      if (api === ClusterNetworkPolicyApi.UPSTREAM) return { problem: 'is a domain name, which the upstream ClusterNetworkPolicy has only in its experimental channel', fix: 'render for the VPC CNI (Amazon EKS ClusterNetworkPolicy), or use a Cilium policy' };
      if (direction !== 'egress' || rule.action !== RuleAction.ALLOW) return { problem: 'is a domain name, which Amazon EKS ClusterNetworkPolicy matches on Accept egress rules only', fix: 'allow the names on egress; deny by address' };
      return undefined;
    default:
      return { problem: `is a ${spec.kind} peer, which a ClusterNetworkPolicy cannot name (pods, namespaces, networks${api === ClusterNetworkPolicyApi.AMAZON_EKS ? ', domain names' : ''})`, fix: 'name the pods or the address blocks instead' };
  }
}
