import { JsonValue, KubeObject } from '../../manifests/types';
import { PolicyIntent } from '../intent';
import { NAMESPACE_NAME_LABEL, PeerSpec } from '../peer';
import { Port, Protocol } from '../port';
import { Rule, RuleAction } from '../rule';
import { LabelSelector, SelectorOperator } from '../selector';

/** Calico's built-in tier, where policies without a tier go. */
export const CALICO_DEFAULT_TIER = 'default';

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

/**
 * Renders an intent as Calico `projectcalico.org/v3` NetworkPolicy or
 * GlobalNetworkPolicy (staged kinds when staged). Calico rules carry one
 * protocol and one peer each, so a rule with several peers or protocols
 * becomes several consecutive rules; order, and so meaning, is kept.
 */
export function renderCalico(intent: PolicyIntent): KubeObject {
  const global = intent.namespace === undefined;
  const types: string[] = [];
  if (intent.ingress !== undefined) types.push('Ingress');
  if (intent.egress !== undefined) types.push('Egress');
  const spec: { [key: string]: JsonValue } = {};
  if (intent.tier !== undefined && intent.tier !== CALICO_DEFAULT_TIER) spec.tier = intent.tier;
  if (intent.order !== undefined) spec.order = intent.order;
  spec.selector = calicoSelector(intent.appliesTo);
  if (global && intent.appliesToNamespaces) spec.namespaceSelector = calicoSelector(intent.appliesToNamespaces);
  spec.types = types;
  const pass: JsonValue[] = intent.isolate ? [] : [{ action: RuleAction.PASS }];
  if (intent.ingress !== undefined) spec.ingress = [...intent.ingress.flatMap((r) => calicoRules(r, 'source')), ...pass];
  if (intent.egress !== undefined) spec.egress = [...intent.egress.flatMap((r) => calicoRules(r, 'destination')), ...pass];
  if (intent.staged) spec.stagedAction = 'Set';
  const kind = `${intent.staged ? 'Staged' : ''}${global ? 'Global' : ''}NetworkPolicy`;
  return {
    apiVersion: 'projectcalico.org/v3',
    kind,
    metadata: { name: calicoPolicyName(intent.name, intent.tier), ...(global ? {} : { namespace: intent.namespace }), labels: { ...intent.labels } },
    spec,
  };
}

function calicoRules(rule: Rule, peerSide: 'source' | 'destination'): JsonValue[] {
  const peers: (PeerSpec | undefined)[] = rule.peers.length === 0 ? [undefined] : rule.peers.flatMap((p) => p.specs);
  const byProtocol = groupPorts(rule.ports);
  const out: JsonValue[] = [];
  for (const spec of peers) {
    // Calico takes the ports of a service from the service itself.
    const servicePeer = spec?.kind === 'service' || spec?.kind === 'apiServer';
    for (const [protocol, ports] of servicePeer ? [[undefined, []] as [undefined, JsonValue[]]] : byProtocol) {
      const r: { [key: string]: JsonValue } = { action: rule.action };
      if (protocol !== undefined) r.protocol = protocol;
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

/** Ports grouped by protocol, in first-seen order; `[undefined, []]` for "any protocol". */
function groupPorts(ports: readonly Port[]): [Protocol | undefined, JsonValue[]][] {
  if (ports.length === 0) return [[undefined, []]];
  const groups = new Map<Protocol, JsonValue[]>();
  for (const port of ports) {
    const list = groups.get(port.protocol) ?? [];
    groups.set(port.protocol, list);
    if (port.name !== undefined) list.push(port.name);
    else if (port.port !== undefined) list.push(port.endPort !== undefined && port.endPort !== port.port ? `${port.port}:${port.endPort}` : port.port);
  }
  return [...groups.entries()];
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
      return { services: { name: 'kubernetes', namespace: 'default' } };
    case 'service':
      return { services: { name: spec.name, namespace: spec.namespace } };
    case 'fqdn':
    case 'any':
      return {};
  }
}
