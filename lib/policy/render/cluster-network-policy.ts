import { JsonValue, KubeObject } from '../../manifests/types';
import { GuardrailTier, PolicyIntent } from '../intent';
import { NAMESPACE_NAME_LABEL, PeerSpec } from '../peer';
import { Port } from '../port';
import { Rule, RuleAction } from '../rule';
import { LabelSelector, SelectorOperator } from '../selector';
import { PolicyFeature, PolicyTarget } from '../target';
import { concreteSpecs, evaluationOrder, RenderContext } from './context';

/** The two ClusterNetworkPolicy APIs. */
export enum ClusterNetworkPolicyApi {
  /**
   * `policy.networking.k8s.io/v1alpha2` (kubernetes-sigs/network-policy-api
   * v0.2.0, standard channel): Calico 3.32+, Cilium 1.20 with the opt-in.
   */
  UPSTREAM = 'policy.networking.k8s.io/v1alpha2',
  /**
   * `networking.k8s.aws/v1alpha1` (aws/amazon-network-policy-controller-k8s
   * v1.1.7): the VPC CNI's admin policies, with `domainNames` egress peers.
   */
  AMAZON_EKS = 'networking.k8s.aws/v1alpha1',
}

/**
 * Priorities a ClusterNetworkPolicy gets when the intent sets no `order`:
 * lower runs first, and within a tier the first matching rule decides
 * (network-policy-api v0.2.0 ClusterNetworkPolicySpec.priority), so policies
 * that deny or pass go before the ones that accept, as in CALICO_POLICY_ORDERS.
 */
export const CLUSTER_NETWORK_POLICY_PRIORITIES = { deny: 100, accept: 500 } as const;

/** Which ClusterNetworkPolicy API a cluster-wide intent is rendered as for `target`, if any. */
export function clusterNetworkPolicyApi(intent: PolicyIntent, target: PolicyTarget): ClusterNetworkPolicyApi | undefined {
  if (intent.namespace !== undefined) return undefined;
  if (target.supports(PolicyFeature.AMAZON_CLUSTER_NETWORK_POLICY)) return ClusterNetworkPolicyApi.AMAZON_EKS;
  return intent.clusterNetworkPolicy ? ClusterNetworkPolicyApi.UPSTREAM : undefined;
}

const ACTIONS: { readonly [action in RuleAction]?: string } = {
  [RuleAction.ALLOW]: 'Accept',
  [RuleAction.DENY]: 'Deny',
  [RuleAction.PASS]: 'Pass',
};

/**
 * Renders a cluster-wide, non-isolating intent as a ClusterNetworkPolicy of
 * the given API. Such a policy does not isolate: traffic its rules do not
 * match goes on to the namespaces' policies (Admin) or to the default
 * (Baseline). Deny and Pass rules come before Accept rules (deny wins).
 * `checkIntent` refuses what the API cannot say before this runs.
 */
export function renderClusterNetworkPolicy(intent: PolicyIntent, api: ClusterNetworkPolicyApi, context: RenderContext = {}): KubeObject {
  const rules = [...(intent.ingress ?? []), ...(intent.egress ?? [])];
  const spec: { [key: string]: JsonValue } = {
    tier: intent.guardrailTier ?? GuardrailTier.ADMIN,
    priority: intent.order ?? (rules.some((r) => r.action !== RuleAction.ALLOW) ? CLUSTER_NETWORK_POLICY_PRIORITIES.deny : CLUSTER_NETWORK_POLICY_PRIORITIES.accept),
    subject: subject(intent),
  };
  for (const [direction, field] of [['ingress', 'from'], ['egress', 'to']] as const) {
    const list = intent[direction];
    if (list === undefined) continue;
    spec[direction] = evaluationOrder(list).map((rule) => cnpRule(rule, field, api, context));
  }
  return {
    apiVersion: api,
    kind: 'ClusterNetworkPolicy',
    metadata: { name: intent.name, labels: { ...intent.labels } },
    spec,
  };
}

/** The namespace selector that matches namespaces by name. */
function namesSelector(names: readonly string[]): JsonValue {
  return names.length === 1
    ? { matchLabels: { [NAMESPACE_NAME_LABEL]: names[0] } }
    : { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: SelectorOperator.IN, values: [...names] }] };
}

function subject(intent: PolicyIntent): JsonValue {
  const namespaces: JsonValue = (intent.appliesToNamespaces ?? LabelSelector.all()).toJson();
  if (intent.appliesTo.isEmpty) return { namespaces };
  return { pods: { namespaceSelector: namespaces, podSelector: intent.appliesTo.toJson() } };
}

function cnpRule(rule: Rule, field: 'from' | 'to', api: ClusterNetworkPolicyApi, context: RenderContext): JsonValue {
  const out: { [key: string]: JsonValue } = { action: ACTIONS[rule.action] ?? rule.action };
  const specs = rule.peers.length === 0 ? [{ kind: 'any' } as PeerSpec] : concreteSpecs(rule.peers.flatMap((p) => p.specs), context, true);
  const peers: JsonValue[] = [];
  const networks: string[] = [];
  const domains: string[] = [];
  for (const spec of specs) {
    switch (spec.kind) {
      case 'pods': {
        const ns = spec.namespaces.kind === 'names' ? namesSelector(spec.namespaces.names) : spec.namespaces.kind === 'selector' ? spec.namespaces.selector.toJson() : {};
        peers.push(spec.pods.isEmpty ? { namespaces: ns } : { pods: { namespaceSelector: ns, podSelector: spec.pods.toJson() } });
        break;
      }
      // A networks peer matches cluster-internal addresses too (network-policy-api
      // v0.2.0 ClusterNetworkPolicyEgressPeer.networks), so 0.0.0.0/0 and ::/0 are everyone.
      case 'any': networks.push('0.0.0.0/0', '::/0'); break;
      case 'cidr': networks.push(spec.cidr); break;
      case 'fqdn': domains.push(spec.matchName ?? spec.matchPattern ?? ''); break;
      default: break; // refused by checkIntent
    }
  }
  if (networks.length > 0) peers.push({ networks: [...new Set(networks)] });
  if (domains.length > 0) peers.push({ domainNames: domains });
  out[field] = peers;
  if (rule.ports.length > 0) {
    if (api === ClusterNetworkPolicyApi.AMAZON_EKS) out.ports = rule.ports.map(amazonPort);
    else out.protocols = rule.ports.map(upstreamProtocol);
  }
  return out;
}

/** A port as networking.k8s.aws/v1alpha1 writes it (portNumber, portRange, namedPort). */
function amazonPort(port: Port): JsonValue {
  if (port.name !== undefined) return { namedPort: port.name };
  if (port.port === undefined) return { portRange: { start: 1, end: 65535, protocol: port.protocol } };
  if (port.endPort !== undefined && port.endPort !== port.port) return { portRange: { start: port.port, end: port.endPort, protocol: port.protocol } };
  return { portNumber: { port: port.port, protocol: port.protocol } };
}

/** A port as policy.networking.k8s.io/v1alpha2 writes it (tcp/udp/sctp destinationPort, destinationNamedPort). */
function upstreamProtocol(port: Port): JsonValue {
  if (port.name !== undefined) return { destinationNamedPort: port.name };
  const key = port.protocol.toLowerCase();
  const from = port.port ?? 1;
  const to = port.port === undefined ? 65535 : (port.endPort ?? port.port);
  return { [key]: { destinationPort: from === to ? { number: from } : { range: { start: from, end: to } } } };
}
