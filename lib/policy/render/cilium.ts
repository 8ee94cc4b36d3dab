import { JsonValue, KubeObject } from '../../manifests/types';
import { PolicyIntent } from '../intent';
import { PeerSpec } from '../peer';
import { Port, Protocol } from '../port';
import { Rule, RuleAction } from '../rule';
import { LabelSelector } from '../selector';
import { concreteSpecs, RenderContext } from './context';
import { appendTo } from '../../core/collections';

/** The label Cilium gives every endpoint for its pod's namespace. */
export const CILIUM_NAMESPACE_LABEL = 'k8s:io.kubernetes.pod.namespace';
/** The prefix of the labels Cilium copies from an endpoint's namespace. */
export const CILIUM_NAMESPACE_LABELS_PREFIX = 'k8s:io.cilium.k8s.namespace.labels.';

/** Options of `renderCilium`. */
export interface CiliumRenderOptions {
  /** Whether the engine enforces L7 rules, so DNS allowances can ask for query inspection. */
  readonly l7: boolean;
}

/**
 * The rule that isolates a direction without allowing anything: a peer of the
 * `none` entity, "an entity that can be selected but never exist"
 * (cilium pkg/policy/api/entity.go, EntityNone). Cilium applies default deny
 * through the policy entries of rules (pkg/policy/utils RulesToPolicyEntries:
 * no rule, no entry), so a direction needs a rule; and since the 1.19
 * PolicyEntry rework an empty rule `{}` has no L3 selector, which the entry
 * type documents as "all endpoints" (pkg/policy/types/policyentry.go). A
 * `none` peer means "nobody" on every supported version.
 */
export const CILIUM_NOTHING_RULE = { ingress: { fromEntities: ['none'] }, egress: { toEntities: ['none'] } } as const;

function nothingRule(direction: 'ingress' | 'egress'): JsonValue {
  return direction === 'ingress' ? { fromEntities: [...CILIUM_NOTHING_RULE.ingress.fromEntities] } : { toEntities: [...CILIUM_NOTHING_RULE.egress.toEntities] };
}

/**
 * Renders an intent as `cilium.io/v2` CiliumNetworkPolicy (namespaced) or
 * CiliumClusterwideNetworkPolicy. Deny rules go to `ingressDeny`/`egressDeny`,
 * which Cilium evaluates before allows. Isolation is explicit with
 * `enableDefaultDeny` and a rule that selects nobody (CILIUM_NOTHING_RULE)
 * where a direction has no allow rule. Each kind of peer gets its own rule,
 * because Cilium's L3 fields inside one rule are not all combined the same way.
 */
export function renderCilium(intent: PolicyIntent, options: CiliumRenderOptions, context: RenderContext = {}): KubeObject {
  const global = intent.namespace === undefined;
  const spec: { [key: string]: JsonValue } = { endpointSelector: endpointSelector(intent, global) };
  for (const direction of ['ingress', 'egress'] as const) {
    const rules = intent[direction];
    if (rules === undefined) continue;
    const allows = rules.filter((r) => r.action === RuleAction.ALLOW).flatMap((r) => ciliumRules(r, direction, options, context));
    const denies = rules.filter((r) => r.action === RuleAction.DENY).flatMap((r) => ciliumRules(r, direction, options, context));
    if (allows.length > 0) spec[direction] = allows;
    else if (intent.isolate) spec[direction] = [nothingRule(direction)];
    if (denies.length > 0) spec[`${direction}Deny`] = denies;
  }
  spec.enableDefaultDeny = { ingress: intent.isolate && intent.ingress !== undefined, egress: intent.isolate && intent.egress !== undefined };
  return {
    apiVersion: 'cilium.io/v2',
    kind: global ? 'CiliumClusterwideNetworkPolicy' : 'CiliumNetworkPolicy',
    metadata: { name: intent.name, ...(global ? {} : { namespace: intent.namespace }), labels: { ...intent.labels } },
    spec,
  };
}

function endpointSelector(intent: PolicyIntent, global: boolean): JsonValue {
  const own = intent.appliesTo.toJson();
  if (!global || !intent.appliesToNamespaces || intent.appliesToNamespaces.isEmpty) return own;
  const ns = namespaceLabels(intent.appliesToNamespaces);
  return mergeSelectors(own, ns);
}

function namespaceLabels(selector: LabelSelector): { matchLabels?: { [key: string]: string }; matchExpressions?: JsonValue[] } {
  const out: { matchLabels?: { [key: string]: string }; matchExpressions?: JsonValue[] } = {};
  const labels = Object.entries(selector.matchLabels);
  if (labels.length > 0) out.matchLabels = Object.fromEntries(labels.map(([k, v]) => [`${CILIUM_NAMESPACE_LABELS_PREFIX}${k}`, v]));
  if (selector.matchExpressions.length > 0) {
    out.matchExpressions = selector.matchExpressions.map((r) => ({ key: `${CILIUM_NAMESPACE_LABELS_PREFIX}${r.key}`, operator: r.operator, ...(r.values ? { values: [...r.values] } : {}) }));
  }
  return out;
}

function mergeSelectors(a: { matchLabels?: { [key: string]: string }; matchExpressions?: JsonValue[] }, b: { matchLabels?: { [key: string]: string }; matchExpressions?: JsonValue[] }): JsonValue {
  const out: { [key: string]: JsonValue } = {};
  const labels = { ...(a.matchLabels ?? {}), ...(b.matchLabels ?? {}) };
  if (Object.keys(labels).length > 0) out.matchLabels = labels;
  const expressions = [...(a.matchExpressions ?? []), ...(b.matchExpressions ?? [])];
  if (expressions.length > 0) out.matchExpressions = expressions;
  return out;
}

type PeerField = 'Endpoints' | 'CIDRSet' | 'Entities' | 'FQDNs' | 'Services';

function ciliumRules(rule: Rule, direction: 'ingress' | 'egress', options: CiliumRenderOptions, context: RenderContext): JsonValue[] {
  const prefix = direction === 'ingress' ? 'from' : 'to';
  const groups = new Map<PeerField, JsonValue[]>();
  const add = (field: PeerField, value: JsonValue) => appendTo(groups, field, value);
  if (rule.peers.length === 0) add('Entities', 'all');
  for (const spec of concreteSpecs(rule.peers.flatMap((p) => p.specs), context, false)) {
    for (const [field, value] of ciliumPeer(spec)) add(field, value);
  }
  const toPorts = ciliumPorts(rule, options);
  const icmps = ciliumIcmps(rule);
  return [...groups.entries()].map(([field, values]) => {
    const out: { [key: string]: JsonValue } = { [`${prefix}${field}`]: field === 'Entities' ? [...new Set(values)] : values };
    if (toPorts) out.toPorts = toPorts;
    if (icmps) out.icmps = icmps;
    return out;
  });
}

/** ICMP types of the rule, as Cilium's `icmps` (matched by type and family; docs.cilium.io "ICMP/ICMPv6"). */
function ciliumIcmps(rule: Rule): JsonValue[] | undefined {
  const fields = rule.ports.filter((p) => p.isIcmp && p.icmpType !== undefined).map((p) => ({ type: p.icmpType!, family: p.protocol === Protocol.ICMPV6 ? 'IPv6' : 'IPv4' }));
  return fields.length > 0 ? [{ fields }] : undefined;
}

function ciliumPeer(spec: PeerSpec): [PeerField, JsonValue][] {
  switch (spec.kind) {
    case 'pods': {
      const pods = spec.pods.toJson();
      if (spec.namespaces.kind === 'same') return [['Endpoints', pods]];
      if (spec.namespaces.kind === 'names') {
        const names = spec.namespaces.names;
        const ns = names.length === 1
          ? { matchLabels: { [CILIUM_NAMESPACE_LABEL]: names[0] } }
          : { matchExpressions: [{ key: CILIUM_NAMESPACE_LABEL, operator: 'In', values: [...names] }] };
        return [['Endpoints', mergeSelectors(pods, ns)]];
      }
      const nsSelector = spec.namespaces.selector;
      const ns = nsSelector.isEmpty
        ? { matchExpressions: [{ key: CILIUM_NAMESPACE_LABEL, operator: 'Exists' }] }
        : namespaceLabels(nsSelector);
      return [['Endpoints', mergeSelectors(pods, ns)]];
    }
    case 'cidr':
      return [['CIDRSet', spec.except.length > 0 ? { cidr: spec.cidr, except: [...spec.except] } : { cidr: spec.cidr }]];
    case 'apiServer':
      return [['Entities', 'kube-apiserver']];
    case 'any':
      return [['Entities', 'all']];
    // Host-network pods and kubelets are the host and remote-node identities
    // (docs.cilium.io, "Entities Based"); the Pod Identity agent listens on the node.
    case 'nodes':
      return [['Entities', 'host'], ['Entities', 'remote-node']];
    case 'podIdentityAgent':
      return [['Entities', 'host']];
    case 'fqdn':
      return [['FQDNs', spec.matchName !== undefined ? { matchName: spec.matchName } : { matchPattern: spec.matchPattern ?? '*' }]];
    case 'service':
      return [['Services', { k8sService: { serviceName: spec.name, namespace: spec.namespace } }]];
    case 'internet':
      return []; // expanded into blocks by concreteSpecs
  }
}

function ciliumPorts(rule: Rule, options: CiliumRenderOptions): JsonValue[] | undefined {
  const l4 = rule.ports.filter((p) => !p.isIcmp);
  if (l4.length === 0) return undefined;
  const ports = l4.map(ciliumPort);
  const entry: { [key: string]: JsonValue } = { ports };
  if (rule.http.length > 0) {
    entry.rules = { http: rule.http.map((h) => ({ ...(h.method ? { method: h.method } : {}), ...(h.path ? { path: h.path } : {}) })) };
  } else if (rule.isDns && options.l7) {
    entry.rules = { dns: [{ matchPattern: '*' }] };
  }
  return [entry];
}

function ciliumPort(port: Port): JsonValue {
  if (port.name !== undefined) return { port: port.name, protocol: port.protocol };
  if (port.port === undefined) return { port: '1', endPort: 65535, protocol: port.protocol };
  const out: { [key: string]: JsonValue } = { port: String(port.port), protocol: port.protocol };
  if (port.endPort !== undefined && port.endPort !== port.port) out.endPort = port.endPort;
  return out;
}
