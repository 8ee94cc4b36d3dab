import { SourcedObject } from '../load';
import { Endpoint, NormPolicy, NormRule, PeerMatcher, RulePorts } from '../model';
import { ciliumKey, compileLabelSelector, isEmptySelector, LabelSelectorJson } from '../selectors';
import { anyOf, anyPeer, at, cidrField, cidrItems, cidrPeer, DialectParser, domainPeer, eachRule, warn, FieldError, IN_DEFAULT_TIER, list, nobody, NO_PORTS, normPolicy, obj, ParseContext, policyIdentity, portNumber, rulePorts, workloadPeer } from './common';
import { AnalyzedProtocol } from '../port-set';
import { describeCiliumL7 } from './l7';
import { ENTIRE_CLUSTER, representative } from '../representatives';

/** Cilium policies join Kubernetes ones in the default tier; deny rules come first. */
const CILIUM_ALLOW_ORDER = 1000;
const CILIUM_DENY_ORDER = -1;

/** `cilium.io/v2` CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy. */
export const ciliumParser: DialectParser = {
  accepts: (o) => o.apiVersion === 'cilium.io/v2' && (o.kind === 'CiliumNetworkPolicy' || o.kind === 'CiliumClusterwideNetworkPolicy'),
  parse: (s, ctx) => {
    const o = s.object;
    const specs = o.specs !== undefined ? list(o.specs, 'specs').map((x, i) => [`specs[${i}]`, obj(x, `specs[${i}]`)] as const) : [['spec', obj(o.spec, 'spec')] as const];
    return specs.flatMap(([field, spec], i) => at(field, () => ciliumSpec(s, spec, ctx, specs.length > 1 ? `#${i}` : '')));
  },
};

function ciliumSpec(s: SourcedObject, spec: { [key: string]: unknown }, ctx: ParseContext, suffix: string): NormPolicy[] {
  const o = s.object;
  const namespace = o.kind === 'CiliumNetworkPolicy' ? (o.metadata.namespace ?? 'default') : undefined;
  if (spec.endpointSelector === undefined) {
    if (spec.nodeSelector !== undefined) return []; // host policies: nodes are not workloads
    throw new FieldError('endpointSelector', 'is required');
  }
  const subject = at('endpointSelector', () => compileLabelSelector(spec.endpointSelector, ciliumKey));
  const edd = obj(spec.enableDefaultDeny, 'enableDefaultDeny');
  const out: NormPolicy[] = [];
  const subjectView = readsCiliumLabels(spec.endpointSelector) ? (e: Endpoint) => e.ciliumLabels : (e: Endpoint) => e.labels;
  const appliesTo = (e: Endpoint) => e.external === undefined && (namespace === undefined || e.namespace === namespace) && subject(subjectView(e));
  const rules = (field: string, action: 'Allow' | 'Deny') => {
    if (spec[field] === undefined) return undefined;
    const direction = field.startsWith('ingress') ? 'ingress' : 'egress';
    return eachRule(ctx, list(spec[field], field), field, (r, f) => ciliumRule(obj(r, ''), direction, action, namespace, ctx, f));
  };
  const ingress = rules('ingress', 'Allow');
  const egress = rules('egress', 'Allow');
  const ingressDeny = rules('ingressDeny', 'Deny');
  const egressDeny = rules('egressDeny', 'Deny');
  // Default deny comes with the policy entries of rules, allow or deny
  // (cilium pkg/policy/utils/parserules.go RulesToPolicyEntries: one entry
  // per rule, DefaultDeny unless enableDefaultDeny says false): a direction
  // with no rule at all (absent or `[]`) isolates nothing.
  const isolates = (allow: NormRule[] | undefined, deny: NormRule[] | undefined, enabled: unknown) =>
    (allow?.length ?? 0) + (deny?.length ?? 0) > 0 && enabled !== false;
  const isolation = { ingress: isolates(ingress, ingressDeny, edd.ingress), egress: isolates(egress, egressDeny, edd.egress) };
  if (ingress?.length || egress?.length || isolation.ingress || isolation.egress) {
    out.push(normPolicy(policyIdentity(s, namespace, suffix), IN_DEFAULT_TIER, {
      order: CILIUM_ALLOW_ORDER,
      appliesTo,
      ingress: ingress?.length || isolation.ingress ? ingress ?? [] : undefined,
      egress: egress?.length || isolation.egress ? egress ?? [] : undefined,
      isolates: isolation,
      staged: false,
    }));
  }
  if (ingressDeny?.length || egressDeny?.length) {
    out.push(normPolicy(identityOfDenies(policyIdentity(s, namespace, `${suffix}/deny`)), IN_DEFAULT_TIER, {
      order: CILIUM_DENY_ORDER,
      appliesTo,
      ingress: ingressDeny?.length ? ingressDeny : undefined,
      egress: egressDeny?.length ? egressDeny : undefined,
      isolates: { ingress: false, egress: false },
      staged: false,
    }));
  }
  return out;
}

/** The deny half of a Cilium policy is shown as such in explanations. */
function identityOfDenies<T extends { display: string }>(identity: T): T {
  return { ...identity, display: `${identity.display} (deny rules)` };
}

/** The L3 fields of a rule, per direction; an explicitly empty one selects nobody. */
const L3_FIELDS = {
  ingress: ['fromEndpoints', 'fromEntities', 'fromCIDR', 'fromCIDRSet', 'fromRequires', 'fromGroups', 'fromNodes'],
  egress: ['toEndpoints', 'toEntities', 'toCIDR', 'toCIDRSet', 'toRequires', 'toGroups', 'toNodes', 'toFQDNs', 'toServices'],
} as const;

/**
 * One Cilium rule. Its peers are the union of its L3 fields; a rule without
 * any L3 field applies to every peer, `{}` included (the policy entry's L3
 * "all endpoints if empty", cilium pkg/policy/types/policyentry.go), while a
 * field given as an empty list selects nobody (pkg/policy/utils/parserules.go
 * mergeEndpointSelectors: "empty non-nil slices ... should not result in any
 * identity being selected"). Its ports are those of `toPorts` and `icmps`;
 * a rule with neither applies to every port, while `icmps` and VRRP or
 * IGMP entries open no TCP, UDP or SCTP port.
 */
function ciliumRule(r: { [key: string]: unknown }, direction: 'ingress' | 'egress', action: 'Allow' | 'Deny', namespace: string | undefined, ctx: ParseContext, field: string): NormRule {
  const p = direction === 'ingress' ? 'from' : 'to';
  const peers: PeerMatcher[] = [];
  const l3Fields = L3_FIELDS[direction].filter((k) => r[k] !== undefined && r[k] !== null);
  const emptyField = l3Fields.find((k) => Array.isArray(r[k]) && (r[k] as unknown[]).length === 0);
  for (const [i, sel] of list(r[`${p}Endpoints`], `${p}Endpoints`).entries()) {
    peers.push(at(`${p}Endpoints[${i}]`, () => endpointPeer(sel, namespace)));
  }
  for (const [i, entity] of list(r[`${p}Entities`], `${p}Entities`).entries()) {
    peers.push(entityPeer(String(entity), `${p}Entities[${i}]`));
  }
  for (const block of cidrItems(ctx, list(r[`${p}CIDR`], `${p}CIDR`), `${p}CIDR`)) peers.push(cidrPeer(block, [], `CIDR ${block.text}`));
  for (const [i, raw] of list(r[`${p}CIDRSet`], `${p}CIDRSet`).entries()) {
    peers.push(at(`${p}CIDRSet[${i}]`, () => cidrSetPeer(obj(raw, ''), ctx)));
  }
  if (direction === 'egress') {
    for (const [i, f] of list(r.toFQDNs, 'toFQDNs').entries()) {
      const fq = obj(f, `toFQDNs[${i}]`);
      peers.push(domainPeer([String(fq.matchName ?? fq.matchPattern)], 'FQDN'));
    }
    for (const [i, svc] of list(r.toServices, 'toServices').entries()) {
      const k = obj(obj(svc, `toServices[${i}]`).k8sService, `toServices[${i}].k8sService`);
      const found = ctx.services.find((x) => x.name === k.serviceName && x.namespace === (k.namespace ?? namespace));
      peers.push(found?.selector
        ? workloadPeer((l) => Object.entries(found.selector ?? {}).every(([key, v]) => l[key] === v), found.namespace, `service ${found.namespace}/${found.name}`, 'k8s', false, false)
        : nobody(`service ${String(k.namespace ?? namespace)}/${String(k.serviceName)} (not in the input)`));
    }
  }
  for (const key of [`${p}Requires`, `${p}Groups`, `${p}Nodes`]) {
    if (r[key] === undefined) continue;
    warn(ctx, key, `${key.endsWith('Nodes') ? 'selects nodes, which the input does not show' : 'is not analyzed offline'}: this peer matches nothing here (the rest of the rule is read)`);
    peers.push(nobody(`${key} (not analyzed)`));
  }
  const { ports, l7 } = ciliumPorts(r, action);
  let peer: PeerMatcher;
  if (emptyField) peer = nobody(`nobody (${emptyField}: [])`);
  else if (l3Fields.length > 0) peer = anyOf(peers);
  else peer = anyPeer(r.toPorts !== undefined || r.icmps !== undefined ? 'anyone (L4-only rule)' : 'anyone (a rule without peers)');
  return { action, peer, ports, l7, field };
}

/** A rule's `toPorts` and `icmps` as ports, with the L7 rules it carries. */
function ciliumPorts(r: { [key: string]: unknown }, action: 'Allow' | 'Deny'): { ports: RulePorts; l7: string[] } {
  const toPorts = list(r.toPorts, 'toPorts');
  list(r.icmps, 'icmps');
  const l7: string[] = [];
  if (r.toPorts === undefined) return { ports: r.icmps === undefined ? rulePorts([]) : NO_PORTS, l7 };
  const entries: RulePorts['entries'][number][] = [];
  toPorts.forEach((tp, i) => at(`toPorts[${i}]`, () => {
    const t = obj(tp, '');
    const ports = list(t.ports, 'ports');
    if (ports.length === 0) entries.push({});
    ports.forEach((raw, j) => at(`ports[${j}]`, () => {
      const port = obj(raw, '');
      const protocol = ciliumProtocol(port.protocol);
      if (protocol === 'other') return;
      const text = port.port === undefined ? '0' : String(port.port);
      if (/^[0-9]+$/.test(text)) {
        const n = Number(text);
        if (n === 0) { entries.push({ protocol }); return; }
        const from = portNumber(n, 'port');
        const to = port.endPort === undefined ? from : portNumber(port.endPort, 'endPort');
        entries.push({ protocol, from, to });
      } else {
        entries.push({ protocol, name: text });
      }
    }));
    if (t.rules !== undefined) {
      const rules = obj(t.rules, 'rules');
      for (const kind of Object.keys(rules)) l7.push(...describeCiliumL7(kind, rules[kind]));
      if (action === 'Deny') throw new FieldError('rules', 'deny rules cannot carry L7 rules');
    }
  }));
  const allEntries = entries.some((e) => e.protocol === undefined && e.from === undefined && e.name === undefined);
  if (allEntries) return { ports: rulePorts([]), l7 };
  return { ports: entries.length === 0 ? NO_PORTS : rulePorts(entries), l7 };
}

/**
 * A `toPorts` protocol: the CiliumNetworkPolicy 1.19.4 CRD allows TCP, UDP,
 * SCTP, VRRP, IGMP and ANY (ICMP goes in `icmps`); VRRP and IGMP have no
 * ports and open no TCP, UDP or SCTP port.
 */
function ciliumProtocol(value: unknown): AnalyzedProtocol | undefined | 'other' {
  if (value === undefined || value === null || value === '' || value === 'ANY') return undefined;
  if (value === 'TCP' || value === 'UDP' || value === 'SCTP') return value;
  if (value === 'VRRP' || value === 'IGMP') return 'other';
  throw new FieldError('protocol', `${JSON.stringify(value)} is not TCP, UDP, SCTP, VRRP, IGMP or ANY`);
}

/** The label Cilium gives every pod endpoint for its namespace, and the prefix of the labels copied from the namespace. */
const POD_NAMESPACE_KEY = 'io.kubernetes.pod.namespace';
const NAMESPACE_LABELS_PREFIX = 'io.cilium.k8s.namespace.labels.';

/**
 * A Cilium endpoint selector as a selector on pod labels and one on
 * namespace labels (`io.kubernetes.pod.namespace` is the namespace's
 * `kubernetes.io/metadata.name`, `io.cilium.k8s.namespace.labels.X` its label
 * X); undefined when it reads other labels only Cilium's view has (its
 * service account, other `io.cilium.`/`io.kubernetes.` keys, `reserved:`
 * and other sourced keys), which no split can express. Keys are read with
 * their source prefix (`k8s:`, `any:`) stripped.
 */
function splitBySubject(selector: { [key: string]: unknown }): { pod: LabelSelectorJson; namespace: LabelSelectorJson } | undefined {
  const pod: { matchLabels: { [key: string]: unknown }; matchExpressions: unknown[] } = { matchLabels: {}, matchExpressions: [] };
  const namespace: { matchLabels: { [key: string]: unknown }; matchExpressions: unknown[] } = { matchLabels: {}, matchExpressions: [] };
  const place = (rawKey: string): { target: typeof pod; key: string } | undefined => {
    const key = ciliumKey(rawKey);
    if (key === POD_NAMESPACE_KEY) return { target: namespace, key: 'kubernetes.io/metadata.name' };
    if (key.startsWith(NAMESPACE_LABELS_PREFIX)) return { target: namespace, key: key.slice(NAMESPACE_LABELS_PREFIX.length) };
    if (key.startsWith('io.cilium.') || key.startsWith('io.kubernetes.') || key.includes(':')) return undefined;
    return { target: pod, key };
  };
  for (const [k, v] of Object.entries(obj(selector.matchLabels, 'matchLabels'))) {
    const at = place(k);
    if (!at) return undefined;
    at.target.matchLabels[at.key] = v;
  }
  for (const raw of list(selector.matchExpressions, 'matchExpressions')) {
    const e = obj(raw, '');
    const at = place(String(e.key));
    if (!at) return undefined;
    at.target.matchExpressions.push({ ...e, key: at.key });
  }
  return { pod: pod as LabelSelectorJson, namespace: namespace as LabelSelectorJson };
}

/** Whether a selector reads labels beyond the pod's own: then it is tested on Cilium's view of the endpoint. */
function readsCiliumLabels(selector: unknown): boolean {
  const split = splitBySubject(obj(selector, ''));
  return split === undefined || !isEmptySelector(split.namespace);
}

/**
 * A `fromEndpoints`/`toEndpoints` selector, scoped as Cilium scopes it
 * (pkg/k8s/apis/cilium.io/utils/utils.go getEndpointSelector): in a
 * namespaced policy, to the policy's namespace unless the selector reads the
 * pod namespace label or any namespace label (`io.cilium.k8s.namespace.labels.*`);
 * in a clusterwide policy, to endpoints that have a namespace (every pod).
 * A selector on `reserved:` labels, which Cilium leaves unscoped, selects no
 * pod here either way.
 */
function endpointPeer(raw: unknown, namespace: string | undefined): PeerMatcher {
  const sel = obj(raw, '');
  const split = splitBySubject(sel);
  const readsNamespace = split ? !isEmptySelector(split.namespace) : [...Object.keys(obj(sel.matchLabels, 'matchLabels')), ...list(sel.matchExpressions, 'matchExpressions').map((e) => String(obj(e, '').key))]
    .map(ciliumKey).some((k) => k === POD_NAMESPACE_KEY || k.startsWith(NAMESPACE_LABELS_PREFIX));
  const scoped = namespace !== undefined && !readsNamespace;
  const text = `endpoints ${JSON.stringify(sel)}${scoped ? ` in ${namespace}` : ''}`;
  if (!split) return workloadPeer(compileLabelSelector(sel, ciliumKey), scoped ? namespace : () => true, text, 'cilium', isEmptySelector(sel), !scoped);
  // A selector's requirements are ANDed per key, so one on pod labels and on
  // the namespace (its name, its labels) splits into a pod selector and a
  // namespace selector: the analyzer then skips whole namespaces, and builds
  // no Cilium view (namespace labels copied in) for thousands of workloads.
  const ns = scoped ? namespace : compileLabelSelector(split.namespace);
  return workloadPeer(compileLabelSelector(split.pod), ns, text, 'k8s', isEmptySelector(split.pod), !scoped && isEmptySelector(split.namespace), scoped ? undefined : representative(split.pod, split.namespace));
}

function entityPeer(entity: string, field: string): PeerMatcher {
  switch (entity) {
    case 'all': return anyPeer('entity all');
    case 'world': case 'world-ipv4': case 'world-ipv6':
      return { matches: (e) => e.external !== undefined && (entity === 'world' || (entity === 'world-ipv4') === (e.external.family === 'IPv4')), namespaces: [], allWorkloads: false, cidrs: [], text: `entity ${entity}` };
    case 'cluster':
      return { matches: (e) => e.external === undefined, namespaces: 'all', allWorkloads: true, cidrs: [], representatives: [ENTIRE_CLUSTER], text: 'entity cluster' };
    case 'host': case 'remote-node': case 'kube-apiserver': case 'health': case 'init': case 'ingress': case 'unmanaged': case 'none':
      return nobody(`entity ${entity} (no workload)`);
    default:
      throw new FieldError(field, `${JSON.stringify(entity)} is not a Cilium entity`);
  }
}

function cidrSetPeer(set: { [key: string]: unknown }, ctx: ParseContext): PeerMatcher {
  const except = list(set.except, 'except').map((x, i) => at(`except[${i}]`, () => cidrField(x, '', ctx)));
  if (set.cidrGroupRef !== undefined) {
    const group = ctx.cidrGroups.get(String(set.cidrGroupRef));
    if (!group) throw new FieldError('cidrGroupRef', `${JSON.stringify(set.cidrGroupRef)} names a CiliumCIDRGroup that is not in the input`);
    return anyOf(group.map((c) => { const block = cidrField(c, 'cidrGroupRef', ctx); return cidrPeer(block, except, `CIDR group ${String(set.cidrGroupRef)}: ${block.text}`); }));
  }
  const cidr = at('cidr', () => cidrField(set.cidr, '', ctx));
  return cidrPeer(cidr, except, `CIDR ${cidr.text}${except.length ? ` except ${except.map((x) => x.text).join(', ')}` : ''}`);
}
