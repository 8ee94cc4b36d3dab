import { blockHolds } from '../externals';
import { SourcedObject } from '../load';
import { Action, CalicoMember, Endpoint, NormPolicy, NormRule, PeerMatcher, RulePorts } from '../model';
import { AnalyzedProtocol } from '../port-set';
import { CalicoSelectorContext, compileCalicoExpression, MATCH_ALL } from '../selectors';
import { describeCalicoHttp } from './l7';
import { ENTIRE_CLUSTER } from '../representatives';
import { anyPeer, at, cidrField, cidrItems, DEFAULT_TIER, DialectParser, eachRule, FieldError, list, nobody, NO_PORTS, normPolicy, obj, ParseContext, policyIdentity, portNumber, rulePorts } from './common';

const CALICO_KINDS = ['NetworkPolicy', 'GlobalNetworkPolicy', 'StagedNetworkPolicy', 'StagedGlobalNetworkPolicy'];

/** Calico `projectcalico.org/v3` policies, staged or not. */
export const calicoParser: DialectParser = {
  accepts: (o) => o.apiVersion === 'projectcalico.org/v3' && CALICO_KINDS.includes(o.kind),
  parse: (s, ctx) => [parseCalicoPolicy(s, ctx)],
};

/** A test on one Calico endpoint (a workload, or a network set holding an address). */
type MemberTest = (m: CalicoMember) => boolean;

const CALICO_KEY = /^projectcalico\.org\//;

/**
 * Compiles a Calico selector field into a test on endpoints; undefined when
 * the field is absent. Workloads show Calico selectors their labels plus
 * `projectcalico.org/*` ones; a selector that reads none of those is tested
 * on the plain labels, which spares building that view for thousands of
 * workloads. In the `namespaces` context the test reads the labels of the
 * endpoint's namespace.
 */
function selectorTest(text: unknown, field: string, context: CalicoSelectorContext = 'endpoints'): MemberTest | undefined {
  if (text === undefined || text === null) return undefined;
  if (typeof text !== 'string') throw new FieldError(field, 'is not a selector string');
  const { matches, keys } = at(field, () => compileCalicoExpression(text, context));
  if (matches === MATCH_ALL) return () => true;
  const calicoView = keys.some((k) => CALICO_KEY.test(k));
  if (context === 'namespaces') return calicoView ? (m) => matches(m.calicoNsLabels) : (m) => matches(m.nsLabels);
  return calicoView ? (m) => matches(m.calicoLabels) : (m) => matches(m.labels);
}

function parseCalicoPolicy(s: SourcedObject, ctx: ParseContext): NormPolicy {
  const o = s.object;
  const global = o.kind.includes('Global');
  const namespace = global ? undefined : (o.metadata.namespace ?? 'default');
  const spec = obj(o.spec, 'spec');
  const tierName = typeof spec.tier === 'string' && spec.tier !== '' ? spec.tier : DEFAULT_TIER.name;
  const tier = ctx.tiers.get(tierName) ?? (tierName === DEFAULT_TIER.name ? DEFAULT_TIER : undefined);
  if (!tier) throw new FieldError('spec.tier', `${JSON.stringify(tierName)} names a tier that is not in the input (Calico rejects such policies)`);
  const name = o.metadata.name ?? '';
  if (tierName !== DEFAULT_TIER.name && !name.startsWith(`${tierName}.`)) {
    ctx.problems.push({ file: s.file, index: s.index, field: 'metadata.name', message: `${JSON.stringify(name)} should be "${tierName}.<name>" for a policy in tier ${tierName}; Calico 3.29-3.32 reject it otherwise` });
  }
  const sel = selectorTest(spec.selector, 'spec.selector') ?? (() => true);
  const nsSel = (global ? selectorTest(spec.namespaceSelector, 'spec.namespaceSelector', 'namespaces') : undefined) ?? (() => true);
  const ingress = list(spec.ingress, 'spec.ingress');
  const egress = list(spec.egress, 'spec.egress');
  const types = spec.types === undefined ? defaultTypes(ingress.length > 0, egress.length > 0) : list(spec.types, 'spec.types').map(String);
  for (const t of types) if (t !== 'Ingress' && t !== 'Egress') throw new FieldError('spec.types', `${JSON.stringify(t)} is not Ingress or Egress`);
  const staged = o.kind.startsWith('Staged');
  const parseRules = (direction: 'ingress' | 'egress', items: unknown[]): NormRule[] => eachRule(ctx, items, `spec.${direction}`, (r, f) => calicoRule(obj(r, ''), direction, namespace, ctx, s, f));
  const order = typeof spec.order === 'number' ? spec.order : Number.MAX_SAFE_INTEGER;
  return normPolicy(policyIdentity(s, namespace), { layer: 1, tier: tier.name, tierOrder: tier.order }, {
    order,
    appliesTo: (e) => e.external === undefined && (namespace === undefined ? nsSel(e) : e.namespace === namespace) && sel(e),
    ingress: types.includes('Ingress') ? parseRules('ingress', ingress) : undefined,
    egress: types.includes('Egress') ? parseRules('egress', egress) : undefined,
    isolates: { ingress: types.includes('Ingress'), egress: types.includes('Egress') },
    staged,
    stagedAction: staged ? (spec.stagedAction === 'Delete' ? 'Delete' : 'Set') : undefined,
  });
}

/**
 * The directions of a policy without `types`, as Calico defaults them
 * (projectcalico/api pkg/apis/projectcalico/v3/policy_common.go, `Types`):
 * Ingress when there are no egress rules (also when there are no rules at
 * all), Egress when there are egress rules but no ingress rules, both when
 * there are both.
 */
export function defaultTypes(hasIngressRules: boolean, hasEgressRules: boolean): string[] {
  if (!hasEgressRules) return ['Ingress'];
  return hasIngressRules ? ['Ingress', 'Egress'] : ['Egress'];
}

/** A rule's protocol: TCP, UDP or SCTP (which have ports), another protocol, or undefined for any. */
type RuleProtocol = AnalyzedProtocol | 'other' | undefined;

/** Protocol numbers of the protocols with ports (IANA). */
const PORT_PROTOCOL_NUMBERS: { readonly [n: number]: AnalyzedProtocol } = { 6: 'TCP', 17: 'UDP', 132: 'SCTP' };
/** Protocol numbers that ICMP fields go with: ICMP and ICMPv6. */
const ICMP_NUMBERS = new Set([1, 58]);
/** Protocol names Calico accepts, compared case-insensitively (projectcalico/api pkg/lib/numorstring/protocol.go). */
const CALICO_PROTOCOL_NAMES: { readonly [lower: string]: { protocol: RuleProtocol; icmp: boolean } } = {
  tcp: { protocol: 'TCP', icmp: false },
  udp: { protocol: 'UDP', icmp: false },
  sctp: { protocol: 'SCTP', icmp: false },
  icmp: { protocol: 'other', icmp: true },
  icmpv6: { protocol: 'other', icmp: true },
  udplite: { protocol: 'other', icmp: false },
};

/**
 * Reads a `protocol`/`notProtocol` field: a name of CALICO_PROTOCOL_NAMES or a
 * number 1-255 (the field is a uint8-or-string).
 */
function calicoProtocol(value: unknown, field: string): { protocol: RuleProtocol; icmp: boolean } {
  if (value === undefined || value === null) return { protocol: undefined, icmp: false };
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : undefined;
  if (n !== undefined) {
    if (!Number.isInteger(n) || n < 1 || n > 255) throw new FieldError(field, `${JSON.stringify(value)} is not a protocol number 1-255`);
    return { protocol: PORT_PROTOCOL_NUMBERS[n] ?? 'other', icmp: ICMP_NUMBERS.has(n) };
  }
  const known = typeof value === 'string' ? CALICO_PROTOCOL_NAMES[value.toLowerCase()] : undefined;
  if (!known) throw new FieldError(field, `${JSON.stringify(value)} is not TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or a number 1-255`);
  return known;
}

function calicoRule(r: { [key: string]: unknown }, direction: 'ingress' | 'egress', namespace: string | undefined, ctx: ParseContext, s: SourcedObject, field: string): NormRule {
  const action = r.action;
  if (action !== 'Allow' && action !== 'Deny' && action !== 'Log' && action !== 'Pass') throw new FieldError('action', `${JSON.stringify(action)} is not Allow, Deny, Log or Pass`);
  const { protocol, icmp } = calicoProtocol(r.protocol, 'protocol');
  const notProtocol = calicoProtocol(r.notProtocol, 'notProtocol').protocol;
  // ICMP type and code go with the ICMP protocols only (the Rule CRD's
  // validation rules); they never restrict TCP, UDP or SCTP.
  for (const key of ['icmp', 'notICMP']) if (r[key] !== undefined && !icmp) throw new FieldError(key, 'needs protocol ICMP or ICMPv6 (Calico rejects ICMP fields with other protocols)');
  const destination = obj(r.destination, 'destination');
  const source = obj(r.source, 'source');
  // ipVersion "restricts the rule to only match a specific IP version"
  // (projectcalico/api pkg/apis/projectcalico/v3/policy_common.go, Rule.IPVersion).
  const ipVersion = r.ipVersion === undefined ? undefined : r.ipVersion === 4 || r.ipVersion === 6 ? r.ipVersion : undefined;
  if (r.ipVersion !== undefined && ipVersion === undefined) throw new FieldError('ipVersion', `${JSON.stringify(r.ipVersion)} is not 4 or 6`);
  const peerField = direction === 'ingress' ? 'source' : 'destination';
  let peer = at(peerField, () => calicoEntity(direction === 'ingress' ? source : destination, namespace, ctx, ipVersion, action));
  if (destination.domains !== undefined) {
    // destination.domains is a Calico Enterprise field: the addresses are
    // resolved at run time, and open-source Calico does not have it. The rule
    // is not analyzable; it matches nothing here rather than everything.
    ctx.problems.push({ file: s.file, index: s.index, field: `${field}.destination.domains`, message: 'is a Calico Enterprise field the analyzer cannot evaluate offline; this rule is left out (it matches nothing here)' });
    peer = nobody(`domains ${JSON.stringify(destination.domains)} (Calico Enterprise, not analyzed)`);
  }
  const ports = at('destination', () => destinationPorts(destination, protocol, notProtocol));
  const l7: string[] = [];
  if (r.http) l7.push(describeCalicoHttp(r.http));
  return { action, peer, ports, l7, field };
}

/**
 * The ports a rule matches: `destination.ports`/`notPorts` under its
 * protocol, minus `notProtocol`. Numeric ports need a protocol with ports;
 * named ports may go without (libcalico-go lib/validator/v3/validator.go
 * validateRule). A protocol without ports (ICMP, UDPLite, other numbers)
 * matches no TCP, UDP or SCTP port.
 */
function destinationPorts(destination: { [key: string]: unknown }, protocol: RuleProtocol, notProtocol: RuleProtocol): RulePorts {
  const portItems = list(destination.ports, 'ports');
  const notItems = list(destination.notPorts, 'notPorts');
  if (protocol === 'other') {
    if (portItems.length > 0 || notItems.length > 0) throw new FieldError(portItems.length > 0 ? 'ports' : 'notPorts', 'cannot be used with a protocol that has no ports');
    return NO_PORTS;
  }
  const entries = at('ports', () => calicoPorts(portItems, protocol));
  const not = at('notPorts', () => calicoPorts(notItems, protocol));
  if (notProtocol !== undefined && notProtocol !== 'other') not.push({ protocol: notProtocol });
  if (notProtocol !== undefined && notProtocol === protocol) return NO_PORTS;
  return entries.length === 0 && protocol !== undefined ? rulePorts([{ protocol }], not) : rulePorts(entries, not);
}

function calicoPorts(items: unknown[], protocol: AnalyzedProtocol | undefined): RulePorts['entries'][number][] {
  return items.map((p, i) => at(`[${i}]`, () => {
    const numeric = (from: unknown, to: unknown) => {
      if (protocol === undefined) throw new FieldError('', `${JSON.stringify(p)} needs protocol TCP, UDP or SCTP on the rule (only named ports go without one)`);
      return { protocol, from: portNumber(from, ''), to: portNumber(to, '') };
    };
    if (typeof p === 'number') return numeric(p, p);
    if (typeof p === 'string') {
      const range = /^([0-9]+):([0-9]+)$/.exec(p);
      if (range) return numeric(range[1], range[2]);
      if (/^[0-9]+$/.test(p)) return numeric(p, p);
      return { protocol, name: p };
    }
    throw new FieldError('', `${JSON.stringify(p)} is not a port, range or name`);
  }));
}

/**
 * Which endpoints and addresses a rule's source or destination matches, as
 * Felix computes it (libcalico-go
 * lib/backend/syncersv1/updateprocessors/rules.go, getEndpointSelector):
 *
 * - `selector`, `serviceAccounts` and the namespace scope form one endpoint
 *   selector. In a namespaced policy the scope is the policy's namespace as
 *   soon as any of `selector`, `notSelector`, `serviceAccounts` is given;
 *   `namespaceSelector` replaces it (`all()`: every namespace, `global()`:
 *   only what is outside namespaces).
 * - Selectors match endpoints: workloads and network sets. An address that
 *   no network set holds matches no selector, negations and `all()` included.
 * - `notSelector` is not scoped: it excludes every endpoint it matches, in
 *   any namespace; an address outside network sets is never excluded by it.
 */
function calicoEntity(e: { [key: string]: unknown }, namespace: string | undefined, ctx: ParseContext, ipVersion: 4 | 6 | undefined, action: Action): PeerMatcher {
  const sel = selectorTest(e.selector, 'selector');
  const notSel = selectorTest(e.notSelector, 'notSelector');
  const nsSel = selectorTest(e.namespaceSelector, 'namespaceSelector', 'namespaces');
  const netItems = list(e.nets, 'nets');
  const nets = cidrItems(ctx, netItems, 'nets');
  // Every block left out: the rule matches no address (not every address).
  if (netItems.length > 0 && nets.length === 0) return nobody('nets (none readable)');
  const notNets = list(e.notNets, 'notNets').map((n, i) => at(`notNets[${i}]`, () => cidrField(n, '', ctx)));
  const services = e.services !== undefined ? obj(e.services, 'services') : undefined;
  const accounts = e.serviceAccounts !== undefined ? obj(e.serviceAccounts, 'serviceAccounts') : undefined;
  const accountTest = accounts ? serviceAccountTest(accounts) : undefined;
  const scope: MemberTest | undefined = nsSel ?? (namespace !== undefined ? (m) => m.namespace === namespace : undefined);
  const scoped = scope !== undefined && (sel !== undefined || accountTest !== undefined || notSel !== undefined || nsSel !== undefined);
  const endpointSel: MemberTest | undefined = sel || accountTest || scoped
    ? (m) => (!scoped || scope!(m)) && (sel?.(m) ?? true) && (accountTest?.(m) ?? true)
    : undefined;
  const constrained = endpointSel !== undefined || notSel !== undefined || nets.length > 0 || notNets.length > 0 || services !== undefined || ipVersion !== undefined;
  if (!constrained) return anyPeer();
  let serviceMatch: ((w: Endpoint) => boolean) | undefined;
  if (services) {
    const svc = ctx.services.find((x) => x.name === services.name && x.namespace === (services.namespace ?? namespace));
    serviceMatch = (w) => !!svc?.selector && w.namespace === svc.namespace && Object.entries(svc.selector).every(([k, v]) => w.labels[k] === v);
  }
  // Pods match nets by their address, unknown offline: see PodAddresses.
  const netsText = `nets ${nets.map((n) => n.text).join(', ') || 'any'}${notNets.length ? ` except ${notNets.map((n) => n.text).join(', ')}` : ''}`;
  const podTests = nets.length > 0 ? nets.map((n) => [n, notNets] as const) : notNets.length > 0 ? [[undefined, notNets] as const] : [];
  if (podTests.some(([n, not]) => ctx.pods.uncertain(n, not, action))) ctx.podDependence.push(netsText);
  const podsInNets = podTests.length === 0 || podTests.some(([n, not]) => ctx.pods.matchesPods(n, not, action));
  const matches = (x: Endpoint): boolean => {
    const ext = x.external;
    if (ext) {
      if (services) return false; // a service's endpoints are pods
      if (ipVersion !== undefined && (ipVersion === 4) !== (ext.family === 'IPv4')) return false;
      if (nets.length > 0 && !nets.some((c) => blockHolds(c, ext))) return false;
      if (notNets.some((c) => blockHolds(c, ext))) return false;
      if (endpointSel && !x.calicoMembers.some(endpointSel)) return false;
      return !(notSel && x.calicoMembers.some(notSel));
    }
    if (!podsInNets) return false;
    if (serviceMatch && !serviceMatch(x)) return false;
    if (endpointSel && !endpointSel(x)) return false;
    return !(notSel && notSel(x));
  };
  const text = [e.selector !== undefined ? `selector ${JSON.stringify(e.selector)}` : '', e.namespaceSelector !== undefined ? `namespaceSelector ${JSON.stringify(e.namespaceSelector)}` : '',
    e.notSelector !== undefined ? `notSelector ${JSON.stringify(e.notSelector)}` : '',
    scoped && nsSel === undefined ? `in ${namespace}` : '',
    nets.length ? `nets ${nets.map((n) => n.text).join(', ')}` : '', notNets.length ? `notNets ${notNets.map((n) => n.text).join(', ')}` : '',
    services ? `service ${String(services.namespace ?? namespace)}/${String(services.name)}` : '', accounts ? `serviceAccounts ${JSON.stringify(accounts)}` : '',
    ipVersion ? `IPv${ipVersion}` : ''].filter(Boolean).join(' ');
  const nsAll = typeof e.namespaceSelector === 'string' && e.namespaceSelector.trim() === 'all()';
  const everyWorkload = sel === undefined && accountTest === undefined && notSel === undefined && services === undefined && podsInNets && (!scoped || nsAll);
  return {
    matches,
    namespaces: scoped && nsSel === undefined ? [namespace!] : 'all',
    // The namespace selector is a test on the namespace alone: the analyzer
    // skips namespaces it rejects. Peers of the same text match alike (the
    // same rule in every namespace's policies): their workloads are listed once.
    inNamespace: nsSel && podsInNets ? (w) => nsSel(w) : undefined,
    key: `calico|${scoped && nsSel === undefined ? namespace : '*'}|${podsInNets ? 1 : 0}|${text}`,
    allWorkloads: everyWorkload,
    representatives: everyWorkload ? [ENTIRE_CLUSTER] : undefined,
    cidrs: [...nets, ...notNets].map((c) => c.text),
    text,
  };
}

/**
 * `serviceAccounts`: names match the endpoint's service account; the label
 * selector reads service account labels, which the input does not carry, so
 * it is tested on none.
 */
function serviceAccountTest(accounts: { [key: string]: unknown }): MemberTest {
  const names = accounts.names !== undefined ? list(accounts.names, 'serviceAccounts.names').map(String) : undefined;
  const selector = accounts.selector !== undefined ? selectorTest(accounts.selector, 'serviceAccounts.selector') : undefined;
  const selectorHolds = selector ? selector({ labels: {}, calicoLabels: {}, nsLabels: {}, calicoNsLabels: {} }) : true;
  return (m) => selectorHolds && (names === undefined || names.includes(m.calicoLabels['projectcalico.org/serviceaccount'] ?? ''));
}
