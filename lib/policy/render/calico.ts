import { JsonValue, KubeObject } from '../../manifests/types';
import { PolicyIntent } from '../intent';
import { NAMESPACE_NAME_LABEL, PeerSpec } from '../peer';
import { Port, Protocol } from '../port';
import { Rule, RuleAction } from '../rule';
import { LabelSelector, SelectorOperator } from '../selector';
import { concreteSpecs, evaluationOrder, RenderContext } from './context';

/** Calico's built-in tier, where policies without a tier go. */
export const CALICO_DEFAULT_TIER = 'default';

/**
 * The orders this library gives Calico policies that set none. Calico
 * evaluates the policies of a tier by order, lowest first, and takes the
 * first rule that decides (Allow, Deny, Pass); policies without an order come
 * last, sorted by name (docs.tigera.io/calico/latest/reference/resources/networkpolicy,
 * "order"). Name order must never decide: denies go first (deny wins, as in
 * Cilium), allowances next (Kubernetes NetworkPolicies also get 1000 in
 * Calico), isolation (explicit Deny rules that need no tier default) last.
 */
export const CALICO_POLICY_ORDERS = {
  /** Policies with Deny or Pass rules. */
  deny: 100,
  /** Policies with Allow (and Log) rules only. */
  allow: 1000,
  /** Policies that only isolate: an explicit Deny per listed direction, after every allowance. */
  isolation: 2000,
} as const;

/**
 * The object name Calico expects: `<tier>.<name>` outside the default tier,
 * which Calico 3.29-3.32 require for tiered policies.
 */
export function calicoPolicyName(name: string, tier: string | undefined): string {
  return tier === undefined || tier === CALICO_DEFAULT_TIER ? name : `${tier}.${name}`;
}

/** A label selector as a Calico selector expression; an empty one is `all()`. */
export function calicoSelector(selector: LabelSelector): string {
  const parts = Object.entries(selector.matchLabels).map(([k, v]) => `${k} == '${v}'`);
  for (const r of selector.matchExpressions) {
    const values = `{${(r.values ?? []).map((v) => `'${v}'`).join(', ')}}`;
    switch (r.operator) {
      case SelectorOperator.IN: parts.push(`${r.key} in ${values}`); break;
      case SelectorOperator.NOT_IN: parts.push(`${r.key} not in ${values}`); break;
      case SelectorOperator.EXISTS: parts.push(`has(${r.key})`); break;
      case SelectorOperator.DOES_NOT_EXIST: parts.push(`!has(${r.key})`); break;
    }
  }
  return parts.length === 0 ? 'all()' : parts.join(' && ');
}

/** Whether the intent only isolates: it lists directions but has no rule in any. */
export function isIsolationOnly(intent: PolicyIntent): boolean {
  return intent.isolate && (intent.ingress ?? []).length === 0 && (intent.egress ?? []).length === 0;
}

/** The order a Calico policy gets when the intent sets none (see CALICO_POLICY_ORDERS). */
export function calicoOrder(intent: PolicyIntent): number {
  if (intent.order !== undefined) return intent.order;
  if (isIsolationOnly(intent)) return CALICO_POLICY_ORDERS.isolation;
  const rules = [...(intent.ingress ?? []), ...(intent.egress ?? [])];
  return rules.some((r) => r.action === RuleAction.DENY || r.action === RuleAction.PASS) ? CALICO_POLICY_ORDERS.deny : CALICO_POLICY_ORDERS.allow;
}

/**
 * Renders an intent as Calico `projectcalico.org/v3` NetworkPolicy or
 * GlobalNetworkPolicy (staged kinds when staged). Every policy gets an
 * explicit order; within a policy Deny rules come before Allow rules. Calico
 * rules carry one protocol and one peer each, so a rule with several peers or
 * protocols becomes several consecutive rules; order, and so meaning, is kept.
 * A non-isolating intent (a guardrail) gets no rule of its own for traffic its
 * rules do not match: that is left to the tier's `defaultAction: Pass`
 * (`checkIntent` refuses a guardrail elsewhere). An isolation-only intent
 * (a namespace's default deny) gets explicit Deny rules, so it isolates in a
 * tier whose default action is Pass too.
 */
export function renderCalico(intent: PolicyIntent, context: RenderContext = {}): KubeObject {
  const global = intent.namespace === undefined;
  const types: string[] = [];
  if (intent.ingress !== undefined) types.push('Ingress');
  if (intent.egress !== undefined) types.push('Egress');
  const spec: { [key: string]: JsonValue } = {};
  if (intent.tier !== undefined && intent.tier !== CALICO_DEFAULT_TIER) spec.tier = intent.tier;
  spec.order = calicoOrder(intent);
  spec.selector = calicoSelector(intent.appliesTo);
  if (global && intent.appliesToNamespaces) spec.namespaceSelector = calicoSelector(intent.appliesToNamespaces);
  spec.types = types;
  const isolationOnly = isIsolationOnly(intent);
  for (const [direction, side] of [['ingress', 'source'], ['egress', 'destination']] as const) {
    const rules = intent[direction];
    if (rules === undefined) continue;
    spec[direction] = isolationOnly ? [{ action: RuleAction.DENY }] : evaluationOrder(rules).flatMap((r) => calicoRules(r, side, context));
  }
  if (intent.staged) spec.stagedAction = 'Set';
  const kind = `${intent.staged ? 'Staged' : ''}${global ? 'Global' : ''}NetworkPolicy`;
  return {
    apiVersion: 'projectcalico.org/v3',
    kind,
    metadata: { name: calicoPolicyName(intent.name, intent.tier), ...(global ? {} : { namespace: intent.namespace }), labels: { ...intent.labels } },
    spec,
  };
}

function calicoRules(rule: Rule, peerSide: 'source' | 'destination', context: RenderContext): JsonValue[] {
  const peers: (PeerSpec | undefined)[] = rule.peers.length === 0 ? [undefined] : concreteSpecs(rule.peers.flatMap((p) => p.specs), context, true);
  const groups = portGroups(rule.ports);
  const out: JsonValue[] = [];
  for (const spec of peers) {
    // Calico takes the ports of a service from the service itself.
    const servicePeer = spec?.kind === 'service' || spec?.kind === 'apiServer';
    for (const { protocol, ports, icmpPort } of servicePeer ? ANY_PROTOCOL : groups) {
      const r: { [key: string]: JsonValue } = { action: rule.action };
      if (protocol !== undefined) r.protocol = protocol;
      if (icmpPort?.icmpType !== undefined) r.icmp = { type: icmpPort.icmpType, ...(icmpPort.icmpCode !== undefined ? { code: icmpPort.icmpCode } : {}) };
      const peer = spec ? calicoEntity(spec) : {};
      const destinationPorts: { [key: string]: JsonValue } = ports.length > 0 ? { ports } : {};
      if (peerSide === 'source') {
        if (Object.keys(peer).length > 0) r.source = peer;
        if (ports.length > 0) r.destination = destinationPorts;
      } else {
        const destination = { ...peer, ...destinationPorts };
        if (Object.keys(destination).length > 0) r.destination = destination;
      }
      out.push(r);
    }
  }
  return out;
}

/** One Calico rule's protocol match: a protocol with its ports, or one ICMP type. */
interface PortGroup {
  readonly protocol?: Protocol;
  readonly ports: JsonValue[];
  readonly icmpPort?: Port;
}

const ANY_PROTOCOL: readonly PortGroup[] = [{ ports: [] }];

/**
 * The rule's ports as Calico rules need them (one protocol per rule): port
 * protocols grouped in first-seen order, then one group per ICMP port;
 * "any protocol" when the rule names no port.
 */
function portGroups(ports: readonly Port[]): readonly PortGroup[] {
  if (ports.length === 0) return ANY_PROTOCOL;
  const groups = new Map<Protocol, JsonValue[]>();
  const icmp: PortGroup[] = [];
  for (const port of ports) {
    if (port.isIcmp) { icmp.push({ protocol: port.protocol, ports: [], icmpPort: port }); continue; }
    const list = groups.get(port.protocol) ?? [];
    groups.set(port.protocol, list);
    if (port.name !== undefined) list.push(port.name);
    else if (port.port !== undefined) list.push(port.endPort !== undefined && port.endPort !== port.port ? `${port.port}:${port.endPort}` : port.port);
  }
  return [...[...groups.entries()].map(([protocol, list]) => ({ protocol, ports: list })), ...icmp];
}

function calicoEntity(spec: PeerSpec): { [key: string]: JsonValue } {
  switch (spec.kind) {
    case 'pods': {
      const out: { [key: string]: JsonValue } = { selector: calicoSelector(spec.pods) };
      if (spec.namespaces.kind === 'names') {
        const names = spec.namespaces.names;
        out.namespaceSelector = names.length === 1 ? `${NAMESPACE_NAME_LABEL} == '${names[0]}'` : `${NAMESPACE_NAME_LABEL} in {${names.map((n) => `'${n}'`).join(', ')}}`;
      } else if (spec.namespaces.kind === 'selector') {
        out.namespaceSelector = calicoSelector(spec.namespaces.selector);
      }
      return out;
    }
    case 'cidr':
      return spec.except.length > 0 ? { nets: [spec.cidr], notNets: [...spec.except] } : { nets: [spec.cidr] };
    case 'apiServer':
      // The kubernetes service's endpoints are the API server's addresses, as
      // destination and as source (docs.tigera.io/calico/latest/network-policy/policy-rules/service-policy).
      return { services: { name: 'kubernetes', namespace: 'default' } };
    case 'service':
      return { services: { name: spec.name, namespace: spec.namespace } };
    case 'fqdn':
    case 'any':
    case 'internet':
    case 'nodes':
    case 'podIdentityAgent':
      return {};
  }
}
