import { SourcedObject } from '../load';
import { Endpoint, NormPolicy, NormRule, PeerMatcher, RulePorts } from '../model';
import { representative } from '../representatives';
import { compileLabelSelector, isEmptySelector } from '../selectors';
import { addressPeer, anyOf, at, cidrItems, DialectParser, eachRule, warn, domainPeer, FieldError, list, nobody, normPolicy, obj, ParseContext, policyIdentity, portNumber, protocolField, rulePorts, workloadPeer } from './common';

const GROUP = 'policy.networking.k8s.io';
/** The VPC CNI's admin policies (aws/amazon-network-policy-controller-k8s v1.1.7 config/crd). */
const AWS_GROUP = 'networking.k8s.aws';

/**
 * Admin policies: upstream AdminNetworkPolicy and BaselineAdminNetworkPolicy
 * (v1alpha1) and ClusterNetworkPolicy (v1alpha2, tiers Admin and Baseline),
 * and Amazon EKS ClusterNetworkPolicy (networking.k8s.aws/v1alpha1, the same
 * tiers, v1alpha1-style ports, domainNames egress peers). Admin policies come
 * before every other policy, baseline ones after.
 */
export const adminParser: DialectParser = {
  accepts: (o) => (o.apiVersion.startsWith(`${GROUP}/`) && ['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy', 'ClusterNetworkPolicy'].includes(o.kind))
    || (o.apiVersion.startsWith(`${AWS_GROUP}/`) && o.kind === 'ClusterNetworkPolicy'),
  parse: (s, ctx) => [parseAdmin(s, ctx)],
};

function parseAdmin(s: SourcedObject, ctx: ParseContext): NormPolicy {
  const o = s.object;
  const spec = obj(o.spec, 'spec');
  const baseline = o.kind === 'BaselineAdminNetworkPolicy' || (o.kind === 'ClusterNetworkPolicy' && spec.tier === 'Baseline');
  const priority = typeof spec.priority === 'number' ? spec.priority : 0;
  const subject = at('spec.subject', () => subjectMatcher(obj(spec.subject, '')));
  const rules = (direction: 'ingress' | 'egress'): NormRule[] => eachRule(ctx, list(spec[direction], `spec.${direction}`), `spec.${direction}`, (r, f) => adminRule(obj(r, ''), direction, f, ctx));
  return normPolicy(policyIdentity(s, undefined), { layer: baseline ? 2 : 0, tier: baseline ? 'baseline' : 'admin', tierOrder: 0 }, {
    order: priority,
    appliesTo: subject,
    ingress: spec.ingress !== undefined ? rules('ingress') : undefined,
    egress: spec.egress !== undefined ? rules('egress') : undefined,
    isolates: { ingress: false, egress: false },
    staged: false,
  });
}

function subjectMatcher(subject: { [key: string]: unknown }): (e: Endpoint) => boolean {
  if (subject.namespaces !== undefined) {
    const ns = at('namespaces', () => compileLabelSelector(subject.namespaces));
    return (e) => e.external === undefined && ns(e.nsLabels);
  }
  if (subject.pods !== undefined) {
    const pods = obj(subject.pods, 'pods');
    const ns = at('pods.namespaceSelector', () => compileLabelSelector(pods.namespaceSelector));
    const pod = at('pods.podSelector', () => compileLabelSelector(pods.podSelector));
    return (e) => e.external === undefined && ns(e.nsLabels) && pod(e.labels);
  }
  throw new FieldError('', 'needs namespaces or pods');
}

function adminRule(r: { [key: string]: unknown }, direction: 'ingress' | 'egress', field: string, ctx: ParseContext): NormRule {
  const raw = r.action;
  const action = raw === 'Allow' || raw === 'Accept' ? 'Allow' : raw === 'Deny' ? 'Deny' : raw === 'Pass' ? 'Pass' : undefined;
  if (!action) throw new FieldError('action', `${JSON.stringify(raw)} is not Allow/Accept, Deny or Pass`);
  const peersField = direction === 'ingress' ? 'from' : 'to';
  const peers = list(r[peersField], peersField).map((p, i) => at(`${peersField}[${i}]`, () => adminPeer(obj(p, ''), action, ctx)));
  if (peers.length === 0) throw new FieldError(peersField, 'needs at least one peer');
  const ports = r.ports !== undefined ? at('ports', () => v1alpha1Ports(list(r.ports, ''))) : r.protocols !== undefined ? at('protocols', () => v1alpha2Ports(list(r.protocols, ''))) : rulePorts([]);
  return { action, peer: anyOf(peers), ports, l7: [], field };
}

function adminPeer(p: { [key: string]: unknown }, action: 'Allow' | 'Deny' | 'Pass', ctx: ParseContext): PeerMatcher {
  if (p.namespaces !== undefined) {
    const ns = at('namespaces', () => compileLabelSelector(p.namespaces));
    return workloadPeer(() => true, ns, `namespaces ${JSON.stringify(p.namespaces)}`, 'k8s', true, isEmptySelector(p.namespaces), representative({}, p.namespaces));
  }
  if (p.pods !== undefined) {
    const pods = obj(p.pods, 'pods');
    const ns = at('pods.namespaceSelector', () => compileLabelSelector(pods.namespaceSelector));
    const pod = at('pods.podSelector', () => compileLabelSelector(pods.podSelector));
    return workloadPeer(pod, ns, `pods ${JSON.stringify(pods)}`, 'k8s', isEmptySelector(pods.podSelector), isEmptySelector(pods.namespaceSelector), representative(pods.podSelector, pods.namespaceSelector));
  }
  if (p.networks !== undefined) {
    const blocks = cidrItems(ctx, list(p.networks, 'networks'), 'networks');
    if (blocks.length === 0) return nobody('networks (none readable)');
    return anyOf(blocks.map((block) => addressPeer(ctx, block, [], action, `network ${block.text}`)));
  }
  if (p.nodes !== undefined) {
    warn(ctx, 'nodes', 'selects nodes, which the input does not show: this peer matches nothing here (the rest of the rule is read)');
    return nobody('nodes (not in the input)');
  }
  // Resolved by the engine's DNS proxy at run time: no address of the input is such a name.
  if (p.domainNames !== undefined) return domainPeer(list(p.domainNames, 'domainNames').map(String), 'domain names');
  throw new FieldError('', 'needs namespaces, pods, networks, domainNames or nodes');
}

function v1alpha1Ports(items: unknown[]): RulePorts {
  return rulePorts(items.map((raw, i) => at(`[${i}]`, () => {
    const p = obj(raw, '');
    if (p.portNumber !== undefined) {
      const n = obj(p.portNumber, 'portNumber');
      const protocol = (protocolField(n.protocol ?? 'TCP', 'portNumber.protocol') ?? 'TCP') as 'TCP';
      const port = portNumber(n.port, 'portNumber.port');
      return { protocol, from: port, to: port };
    }
    if (p.portRange !== undefined) {
      const n = obj(p.portRange, 'portRange');
      const protocol = (protocolField(n.protocol ?? 'TCP', 'portRange.protocol') ?? 'TCP') as 'TCP';
      return { protocol, from: portNumber(n.start, 'portRange.start'), to: portNumber(n.end, 'portRange.end') };
    }
    if (typeof p.namedPort === 'string') return { name: p.namedPort };
    throw new FieldError('', 'needs portNumber, portRange or namedPort');
  })));
}

function v1alpha2Ports(items: unknown[]): RulePorts {
  return rulePorts(items.map((raw, i) => at(`[${i}]`, () => {
    const p = obj(raw, '');
    if (typeof p.destinationNamedPort === 'string') return { name: p.destinationNamedPort };
    for (const key of ['tcp', 'udp', 'sctp'] as const) {
      if (p[key] === undefined) continue;
      const protocol = key.toUpperCase() as 'TCP';
      const dest = obj(obj(p[key], key).destinationPort, `${key}.destinationPort`);
      if (dest.number !== undefined) { const n = portNumber(dest.number, `${key}.destinationPort.number`); return { protocol, from: n, to: n }; }
      if (dest.range !== undefined) { const r = obj(dest.range, `${key}.destinationPort.range`); return { protocol, from: portNumber(r.start, 'start'), to: portNumber(r.end, 'end') }; }
      return { protocol };
    }
    throw new FieldError('', 'needs tcp, udp, sctp or destinationNamedPort');
  })));
}
