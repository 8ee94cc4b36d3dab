import { Problems } from '../core/errors';
import { dns1123LabelError, dns1123SubdomainError } from '../core/names';
import { PolicyIntent } from './intent';
import { PeerSpec } from './peer';
import { Protocol } from './port';
import { Rule, RuleAction } from './rule';
import { PolicyDialect, PolicyFeature, PolicyTarget } from './target';

/** What checking an intent found: problems fail the synth, warnings do not. */
export interface IntentCheck {
  /** Problems, in the library's message shape. */
  readonly problems: Problems;
  /** Warnings: `[id, message]` pairs with stable ids. */
  readonly warnings: readonly (readonly [string, string])[];
}

const ACTION_FEATURE: { [action: string]: PolicyFeature | undefined } = {
  [RuleAction.ALLOW]: undefined,
  [RuleAction.DENY]: PolicyFeature.DENY,
  [RuleAction.LOG]: PolicyFeature.LOG,
  [RuleAction.PASS]: PolicyFeature.PASS,
};

/**
 * Checks an intent against Kubernetes naming rules and against what `target`
 * can enforce, collecting every problem. `path` is the construct path.
 */
export function checkIntent(intent: PolicyIntent, target: PolicyTarget, path: string): IntentCheck {
  const problems = new Problems();
  const warnings: [string, string][] = [];
  const needs = (feature: PolicyFeature, property: string, value: unknown, what: string) => {
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
  } else {
    needs(PolicyFeature.CLUSTER_WIDE, 'scope', 'cluster-wide', 'Kubernetes NetworkPolicy is namespaced');
  }
  intent.appliesTo.validate(problems, path, 'appliesTo');
  intent.appliesToNamespaces?.validate(problems, path, 'appliesToNamespaces');
  if (intent.ingress === undefined && intent.egress === undefined) {
    problems.add({ path, property: 'directions', value: [], problem: 'has neither ingress nor egress, so the policy does nothing', fix: 'give ingress or egress rules (an empty list denies that direction)' });
  }
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
  if (intent.staged) {
    if (target.dialect === PolicyDialect.CILIUM) {
      warnings.push(['eks-zero-trust:cilium-staged', `${path}: Cilium has no staged policies, so this policy is written enforced. Observe it first with the engine's policy audit mode (PolicyEngine.cilium({ policyAuditMode: true })), a cluster-wide setting.`]);
    } else {
      needs(PolicyFeature.STAGED, 'staged', true, 'staged policies are a Calico feature');
    }
  }
  checkRules(intent, 'ingress', intent.ingress ?? [], target, path, problems, needs);
  checkRules(intent, 'egress', intent.egress ?? [], target, path, problems, needs);
  return { problems, warnings };
}

function checkRules(
  intent: PolicyIntent,
  direction: 'ingress' | 'egress',
  rules: readonly Rule[],
  target: PolicyTarget,
  path: string,
  problems: Problems,
  needs: (feature: PolicyFeature, property: string, value: unknown, what: string) => void,
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
      for (const spec of peer.specs) checkPeer(spec, intent, direction, target, path, `${property} peer ${p}`, problems, needs);
    });
    const portProtocols = new Set<string>();
    rule.ports.forEach((port, p) => {
      port.validate(problems, path, `${property} port ${p}`);
      const key = port.describe();
      if (portProtocols.has(key)) problems.add({ path, property: `${property} port ${p}`, value: key, problem: 'is listed twice in the same rule', fix: 'remove the duplicate port' });
      portProtocols.add(key);
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
  intent: PolicyIntent,
  direction: 'ingress' | 'egress',
  target: PolicyTarget,
  path: string,
  property: string,
  problems: Problems,
  needs: (feature: PolicyFeature, property: string, value: unknown, what: string) => void,
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
      return;
    case 'service':
      needs(PolicyFeature.SERVICE_PEERS, property, `${spec.namespace}/${spec.name}`, 'Kubernetes NetworkPolicy cannot name services');
      if (direction === 'ingress') problems.add({ path, property, value: `${spec.namespace}/${spec.name}`, problem: 'is a service on an ingress rule; services are destinations', fix: 'use it in an egress rule, or select the pods behind it' });
      return;
    case 'apiServer':
      if (direction === 'ingress') problems.add({ path, property, value: 'kube-apiserver', problem: 'is the API server on an ingress rule', fix: 'use it in an egress rule' });
      if (target.dialect === PolicyDialect.KUBERNETES && spec.cidrs.length === 0) {
        problems.add({ path, property, value: 'kube-apiserver', problem: `has no addresses, and ${target.displayName} can only name the API server by address`, fix: 'give Peer.kubeApiServer({ cidrs: [...] }) the subnets of the control-plane ENIs (the cluster VPC\'s CIDR works)' });
      }
      return;
    case 'cidr':
    case 'any':
      return;
  }
}
