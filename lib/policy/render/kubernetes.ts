import { JsonValue, KubeObject } from '../../manifests/types';
import { PolicyIntent } from '../intent';
import { NAMESPACE_NAME_LABEL, PeerSpec } from '../peer';
import { Port } from '../port';
import { Rule } from '../rule';
import { concreteSpecs, RenderContext } from './context';

/**
 * Renders an intent as `networking.k8s.io/v1` NetworkPolicy, or as Calico's
 * `StagedKubernetesNetworkPolicy` when staged. Only allow rules exist here;
 * `checkIntent` refuses the rest before rendering.
 */
export function renderKubernetes(intent: PolicyIntent, context: RenderContext = {}): KubeObject {
  const policyTypes: string[] = [];
  const spec: { [key: string]: JsonValue } = { podSelector: intent.appliesTo.toJson() };
  if (intent.ingress !== undefined) policyTypes.push('Ingress');
  if (intent.egress !== undefined) policyTypes.push('Egress');
  spec.policyTypes = policyTypes;
  if (intent.ingress && intent.ingress.length > 0) spec.ingress = intent.ingress.map((r) => kubeRule(r, 'from', context));
  if (intent.egress && intent.egress.length > 0) spec.egress = intent.egress.map((r) => kubeRule(r, 'to', context));
  if (intent.staged) spec.stagedAction = 'Set';
  return {
    apiVersion: intent.staged ? 'projectcalico.org/v3' : 'networking.k8s.io/v1',
    kind: intent.staged ? 'StagedKubernetesNetworkPolicy' : 'NetworkPolicy',
    metadata: { name: intent.name, namespace: intent.namespace, labels: { ...intent.labels } },
    spec,
  };
}

function kubeRule(rule: Rule, field: 'from' | 'to', context: RenderContext): JsonValue {
  const out: { [key: string]: JsonValue } = {};
  const specs = concreteSpecs(rule.peers.flatMap((p) => p.specs), context, true);
  // "Anyone" is a rule without peers; it absorbs the others.
  if (specs.length > 0 && !specs.some((s) => s.kind === 'any')) out[field] = specs.flatMap(kubePeer);
  if (rule.ports.length > 0) out.ports = rule.ports.map(kubePort);
  return out;
}

/** One Kubernetes NetworkPolicyPeer per spec. */
function kubePeer(spec: PeerSpec): JsonValue[] {
  switch (spec.kind) {
    case 'pods': {
      const pods = spec.pods.toJson();
      if (spec.namespaces.kind === 'same') return [{ podSelector: pods }];
      const peer: { [key: string]: JsonValue } = {};
      if (spec.namespaces.kind === 'names') {
        const names = spec.namespaces.names;
        peer.namespaceSelector = names.length === 1
          ? { matchLabels: { [NAMESPACE_NAME_LABEL]: names[0] } }
          : { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'In', values: [...names] }] };
      } else {
        peer.namespaceSelector = spec.namespaces.selector.toJson();
      }
      if (!spec.pods.isEmpty) peer.podSelector = pods;
      return [peer];
    }
    case 'cidr':
      return [{ ipBlock: spec.except.length > 0 ? { cidr: spec.cidr, except: [...spec.except] } : { cidr: spec.cidr } }];
    case 'apiServer':
      return spec.cidrs.map((cidr) => ({ ipBlock: { cidr } }));
    case 'fqdn':
    case 'service':
    case 'any':
    case 'internet':
    case 'nodes':
    case 'podIdentityAgent':
      return []; // refused by checkIntent, or expanded into blocks by concreteSpecs
  }
}

function kubePort(port: Port): JsonValue {
  const out: { [key: string]: JsonValue } = { protocol: port.protocol };
  if (port.name !== undefined) out.port = port.name;
  else if (port.port !== undefined) {
    out.port = port.port;
    if (port.endPort !== undefined && port.endPort !== port.port) out.endPort = port.endPort;
  }
  return out;
}
