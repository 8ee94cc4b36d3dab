import { Memo } from '../../core/memo';
import { KubeObject } from '../../manifests/types';
import { SourcedObject } from '../load';
import { NormPolicy, NormRule, PeerMatcher, RulePorts } from '../model';
import { representative } from '../representatives';
import { compileLabelSelector, isEmptySelector } from '../selectors';
import { addressPeer, anyOf, anyPeer, at, cidrField, DialectParser, eachRule, domainPeer, FieldError, strings, IN_DEFAULT_TIER, list, normPolicy, obj, ParseContext, policyIdentity, portNumber, protocolField, rulePorts, showSelector, workloadPeer } from './common';

/** Calico gives Kubernetes NetworkPolicy order 1000 in the default tier. */
export const KUBERNETES_POLICY_ORDER = 1000;

/**
 * `networking.k8s.io/v1` NetworkPolicy, Calico's StagedKubernetesNetworkPolicy,
 * and Amazon EKS ApplicationNetworkPolicy (`networking.k8s.aws/v1alpha1`,
 * aws/amazon-network-policy-controller-k8s v1.1.7 config/crd): a
 * NetworkPolicy whose egress peers may also be `domainNames`, allowed
 * alongside NetworkPolicies ("traffic matches at least one egress rule
 * across all of the ApplicationNetworkPolicy objects", the CRD's docs).
 */
export const kubernetesParser: DialectParser = {
  accepts: (o) => (o.apiVersion === 'networking.k8s.io/v1' && o.kind === 'NetworkPolicy')
    || (o.apiVersion === 'projectcalico.org/v3' && o.kind === 'StagedKubernetesNetworkPolicy')
    || (o.apiVersion === 'networking.k8s.aws/v1alpha1' && o.kind === 'ApplicationNetworkPolicy'),
  parse: (s, ctx) => [parseKubernetesPolicy(s, ctx)],
};

function parseKubernetesPolicy(s: SourcedObject, ctx: ParseContext): NormPolicy {
  const o: KubeObject = s.object;
  const namespace = o.metadata.namespace ?? 'default';
  const spec = obj(o.spec, 'spec');
  if (spec.podSelector === undefined) throw new FieldError('spec.podSelector', 'is required (use {} to select every pod)');
  const podSelector = at('spec.podSelector', () => compileLabelSelector(spec.podSelector));
  const ingressRules = list(spec.ingress, 'spec.ingress');
  const egressRules = list(spec.egress, 'spec.egress');
  const types = spec.policyTypes === undefined
    ? ['Ingress', ...(egressRules.length > 0 ? ['Egress'] : [])]
    : list(spec.policyTypes, 'spec.policyTypes').map(String);
  for (const t of types) if (t !== 'Ingress' && t !== 'Egress') throw new FieldError('spec.policyTypes', `${JSON.stringify(t)} is not Ingress or Egress`);
  const staged = o.kind === 'StagedKubernetesNetworkPolicy';
  const domains = o.kind === 'ApplicationNetworkPolicy';
  const rules = (direction: 'ingress' | 'egress', items: unknown[]): NormRule[] => eachRule(ctx, items, `spec.${direction}`, (r, f) => {
    const rule = obj(r, '');
    const peersField = direction === 'ingress' ? 'from' : 'to';
    const peers = list(rule[peersField], peersField);
    const peer = peers.length === 0 ? anyPeer() : anyOf(peers.map((p, pi) => at(`${peersField}[${pi}]`, () => kubePeer(obj(p, ''), namespace, ctx, domains && direction === 'egress'))));
    return { action: 'Allow', peer, ports: at('ports', () => kubePorts(list(rule.ports, ''))), l7: [], field: f };
  });
  return normPolicy(policyIdentity(s, namespace), IN_DEFAULT_TIER, {
    order: KUBERNETES_POLICY_ORDER,
    appliesTo: (e) => e.external === undefined && e.namespace === namespace && podSelector(e.labels),
    ingress: types.includes('Ingress') ? rules('ingress', ingressRules) : undefined,
    egress: types.includes('Egress') ? rules('egress', egressRules) : undefined,
    isolates: { ingress: types.includes('Ingress'), egress: types.includes('Egress') },
    staged,
    stagedAction: staged ? (spec.stagedAction === 'Delete' ? 'Delete' : 'Set') : undefined,
  });
}

/** One NetworkPolicyPeer. */
export function kubePeer(p: { [key: string]: unknown }, namespace: string, ctx: ParseContext, domainNames = false): PeerMatcher {
  if (p.domainNames !== undefined) {
    if (!domainNames) throw new FieldError('domainNames', 'is a field of ApplicationNetworkPolicy egress peers only');
    if (p.ipBlock !== undefined || p.podSelector !== undefined || p.namespaceSelector !== undefined) throw new FieldError('', 'domainNames cannot be combined with podSelector, namespaceSelector or ipBlock');
    return domainPeer(strings(p.domainNames, 'domainNames'), 'domain names');
  }
  if (p.ipBlock !== undefined) {
    if (p.podSelector !== undefined || p.namespaceSelector !== undefined) throw new FieldError('', 'ipBlock cannot be combined with podSelector or namespaceSelector');
    const block = obj(p.ipBlock, 'ipBlock');
    const cidr = at('ipBlock.cidr', () => cidrField(block.cidr, '', ctx));
    const except = list(block.except, 'ipBlock.except').map((x, i) => at(`ipBlock.except[${i}]`, () => cidrField(x, '', ctx)));
    return addressPeer(ctx, cidr, except, 'Allow', `ipBlock ${cidr.text}${except.length ? ` except ${except.map((x) => x.text).join(', ')}` : ''}`);
  }
  if (p.podSelector === undefined && p.namespaceSelector === undefined) throw new FieldError('', 'has none of podSelector, namespaceSelector, ipBlock');
  const pod = at('podSelector', () => compileLabelSelector(p.podSelector));
  const podAll = p.podSelector === undefined || isEmptySelector(p.podSelector);
  if (p.namespaceSelector === undefined) return workloadPeer(pod, namespace, `pods ${showSelector(p.podSelector)} in ${namespace}`, 'k8s', podAll, false);
  // A selector on the namespace's name label picks that one namespace (every
  // namespace carries kubernetes.io/metadata.name): the peer is scoped to it,
  // so its workloads are found without testing every namespace.
  const named = namespaceByName(p.namespaceSelector);
  const ns = named ?? at('namespaceSelector', () => compileLabelSelector(p.namespaceSelector));
  return workloadPeer(pod, ns, `pods ${showSelector(p.podSelector)} in namespaces ${showSelector(p.namespaceSelector)}`, 'k8s', podAll, isEmptySelector(p.namespaceSelector), representative(p.podSelector, p.namespaceSelector));
}

const PORT_LISTS = new Memo<RulePorts>();

/** NetworkPolicyPort list (empty = every port). Equal lists share one result. */
export function kubePorts(items: unknown[]): RulePorts {
  return PORT_LISTS.get(JSON.stringify(items), () => compilePorts(items));
}

/**
 * A named port as the API server accepts it (kubernetes
 * pkg/apis/networking/validation ValidateNetworkPolicyPort ->
 * IsValidPortName): 1-15 lowercase letters, digits and '-', at least one
 * letter, no '-' at either end or twice in a row. A string of digits such as
 * "80" is not a port name, and not a number either: it is rejected.
 */
const PORT_NAME = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]+(-[a-z0-9]+)*$/;

/** The protocols of NetworkPolicyPort, spelled exactly (the API server's "supported values"). */
const KUBE_PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

function compilePorts(items: unknown[]): RulePorts {
  return rulePorts(items.map((raw, i) => at(`[${i}]`, () => {
    const p = obj(raw, '');
    if (p.protocol !== undefined && !KUBE_PROTOCOLS.includes(p.protocol as string)) throw new FieldError('protocol', `${JSON.stringify(p.protocol)} is not TCP, UDP or SCTP (spelled exactly; the API server rejects it)`);
    const protocol = (protocolField(p.protocol ?? 'TCP', 'protocol') ?? 'TCP') as 'TCP' | 'UDP' | 'SCTP';
    if (p.port === undefined) {
      if (p.endPort !== undefined) throw new FieldError('endPort', 'needs a numeric port');
      return { protocol, from: 1, to: 65535 };
    }
    if (typeof p.port === 'string') {
      if (!PORT_NAME.test(p.port)) throw new FieldError('port', `${JSON.stringify(p.port)} is not a port name (1-15 lowercase letters, digits and '-', with a letter) nor a number; the API server rejects it${/^[0-9]+$/.test(p.port) ? ` (write ${p.port} without quotes)` : ''}`);
      if (p.endPort !== undefined) throw new FieldError('endPort', 'cannot be used with a named port');
      return { protocol, name: p.port };
    }
    const from = at('port', () => portNumber(p.port, ''));
    const to = p.endPort === undefined ? from : at('endPort', () => portNumber(p.endPort, ''));
    if (to < from) throw new FieldError('endPort', `${to} is below port ${from}`);
    return { protocol, from, to };
  })));
}

/** The namespace a selector names when it is exactly `{matchLabels: {kubernetes.io/metadata.name: NAME}}`. */
export function namespaceByName(selector: unknown): string | undefined {
  if (!selector || typeof selector !== 'object' || Array.isArray(selector)) return undefined;
  const s = selector as { matchLabels?: unknown; matchExpressions?: unknown };
  if (Object.keys(s).some((k) => k !== 'matchLabels' && k !== 'matchExpressions')) return undefined;
  if (Array.isArray(s.matchExpressions) ? s.matchExpressions.length > 0 : s.matchExpressions !== undefined) return undefined;
  const labels = s.matchLabels;
  if (!labels || typeof labels !== 'object') return undefined;
  const entries = Object.entries(labels);
  return entries.length === 1 && entries[0][0] === 'kubernetes.io/metadata.name' && typeof entries[0][1] === 'string' ? entries[0][1] : undefined;
}
