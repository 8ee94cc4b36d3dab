import { blockHolds } from '../externals';
import { SourcedObject } from '../load';
import { Endpoint, NormPolicy, NormRule, PeerMatcher, RulePorts } from '../model';
import { compileCalicoExpression, Matcher, MATCH_ALL } from '../selectors';
import { anyPeer, at, cidrField, DEFAULT_TIER, DialectParser, FieldError, list, normPolicy, obj, ParseContext, policyIdentity, portNumber, protocolField, rulePorts } from './common';

const CALICO_KINDS = ['NetworkPolicy', 'GlobalNetworkPolicy', 'StagedNetworkPolicy', 'StagedGlobalNetworkPolicy'];

/** Calico `projectcalico.org/v3` policies, staged or not. */
export const calicoParser: DialectParser = {
  accepts: (o) => o.apiVersion === 'projectcalico.org/v3' && CALICO_KINDS.includes(o.kind),
  parse: (s, ctx) => [parseCalicoPolicy(s, ctx)],
};

/** A selector field compiled; absent means all(). */
function expression(text: unknown, field: string): { readonly matches: Matcher; readonly keys: readonly string[] } {
  if (text === undefined || text === null) return { matches: MATCH_ALL, keys: [] };
  if (typeof text !== 'string') throw new FieldError(field, 'is not a selector string');
  return at(field, () => compileCalicoExpression(text));
}

/** An endpoint test. */
type EndpointMatcher = (e: Endpoint) => boolean;

const CALICO_KEY = /^projectcalico\.org\//;

/**
 * Compiles a Calico selector into a test on endpoints. Workloads show Calico
 * selectors their labels plus `projectcalico.org/*` ones; a selector that
 * reads none of those is tested on the plain labels, which spares building
 * that view for thousands of workloads. Addresses show network set labels.
 */
function selector(text: unknown, field: string, namespaceLabels = false): EndpointMatcher {
  const { matches, keys } = expression(text, field);
  if (matches === MATCH_ALL) return () => true;
  const calicoView = keys.some((k) => CALICO_KEY.test(k));
  if (namespaceLabels) return calicoView ? (e) => matches(e.calicoNsLabels) : (e) => matches(e.external ? e.calicoNsLabels : e.nsLabels);
  return calicoView ? (e) => matches(e.calicoLabels) : (e) => matches(e.external ? e.calicoLabels : e.labels);
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
  const sel = selector(spec.selector, 'spec.selector');
  const nsSel = global ? selector(spec.namespaceSelector, 'spec.namespaceSelector', true) : () => true;
  const ingress = list(spec.ingress, 'spec.ingress');
  const egress = list(spec.egress, 'spec.egress');
  const types = spec.types === undefined ? ['Ingress', ...(egress.length > 0 ? ['Egress'] : [])] : list(spec.types, 'spec.types').map(String);
  const staged = o.kind.startsWith('Staged');
  const parseRules = (direction: 'ingress' | 'egress', items: unknown[]): NormRule[] => items.map((r, i) => at(`spec.${direction}[${i}]`, () => calicoRule(obj(r, ''), direction, namespace, ctx, `spec.${direction}[${i}]`)));
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

function calicoRule(r: { [key: string]: unknown }, direction: 'ingress' | 'egress', namespace: string | undefined, ctx: ParseContext, field: string): NormRule {
  const action = r.action;
  if (action !== 'Allow' && action !== 'Deny' && action !== 'Log' && action !== 'Pass') throw new FieldError('action', `${JSON.stringify(action)} is not Allow, Deny, Log or Pass`);
  const protocol = protocolField(r.protocol, 'protocol', true);
  const destination = obj(r.destination, 'destination');
  const source = obj(r.source, 'source');
  const peerEntity = direction === 'ingress' ? source : destination;
  const peer = at(direction === 'ingress' ? 'source' : 'destination', () => calicoEntity(peerEntity, namespace, ctx));
  let ports: RulePorts;
  if (protocol === 'other') ports = rulePorts([{ protocol: 'TCP', from: 1, to: 0 }]); // ICMP and others: no TCP/UDP/SCTP port
  else {
    const entries = at('destination.ports', () => calicoPorts(list(destination.ports, ''), protocol));
    const not = at('destination.notPorts', () => calicoPorts(list(destination.notPorts, ''), protocol));
    ports = entries.length === 0 && protocol !== undefined ? rulePorts([{ protocol }], not) : rulePorts(entries, not);
  }
  const l7: string[] = [];
  if (r.http) l7.push(`http ${JSON.stringify(r.http)}`);
  return { action, peer, ports, l7, field };
}

function calicoPorts(items: unknown[], protocol: 'TCP' | 'UDP' | 'SCTP' | undefined): RulePorts['entries'] {
  return items.map((p, i) => at(`[${i}]`, () => {
    if (protocol === undefined) throw new FieldError('', 'ports need a protocol on the rule');
    if (typeof p === 'number') return { protocol, from: portNumber(p, ''), to: portNumber(p, '') };
    if (typeof p === 'string') {
      const range = /^([0-9]+):([0-9]+)$/.exec(p);
      if (range) return { protocol, from: portNumber(range[1], ''), to: portNumber(range[2], '') };
      if (/^[0-9]+$/.test(p)) return { protocol, from: portNumber(p, ''), to: portNumber(p, '') };
      return { protocol, name: p };
    }
    throw new FieldError('', `${JSON.stringify(p)} is not a port, range or name`);
  }));
}

function calicoEntity(e: { [key: string]: unknown }, namespace: string | undefined, ctx: ParseContext): PeerMatcher {
  const hasSel = e.selector !== undefined;
  const hasNsSel = e.namespaceSelector !== undefined;
  const nets = list(e.nets, 'nets').map((n, i) => at(`nets[${i}]`, () => cidrField(n, '')));
  const notNets = list(e.notNets, 'notNets').map((n, i) => at(`notNets[${i}]`, () => cidrField(n, '')));
  const sel = selector(e.selector, 'selector');
  const notSel = e.notSelector !== undefined ? selector(e.notSelector, 'notSelector') : undefined;
  const nsSel = selector(e.namespaceSelector, 'namespaceSelector', true);
  const services = e.services ? obj(e.services, 'services') : undefined;
  const accounts = e.serviceAccounts ? obj(e.serviceAccounts, 'serviceAccounts') : undefined;
  const constrained = hasSel || hasNsSel || nets.length > 0 || notNets.length > 0 || notSel !== undefined || services !== undefined || accounts !== undefined;
  if (!constrained) return anyPeer();
  let serviceMatch: ((w: Endpoint) => boolean) | undefined;
  if (services) {
    const svc = ctx.services.find((x) => x.name === services.name && x.namespace === (services.namespace ?? namespace));
    serviceMatch = (w) => !!svc?.selector && w.namespace === svc.namespace && Object.entries(svc.selector).every(([k, v]) => w.labels[k] === v);
  }
  const accountNames = accounts ? list(accounts.names, 'serviceAccounts.names').map(String) : undefined;
  // Service account labels are not in the input: the selector is tested on none.
  const accountSel = accounts?.selector !== undefined ? expression(accounts.selector, 'serviceAccounts.selector').matches : undefined;
  const inNet = (x: Endpoint) => {
    const ext = x.external;
    if (!ext) return false;
    return (nets.length === 0 || nets.some((c) => blockHolds(c, ext))) && !notNets.some((c) => blockHolds(c, ext));
  };
  const matches = (x: Endpoint): boolean => {
    if (x.external) {
      // Addresses carry no labels: a selector (other than all()) or a service never matches them.
      if (services || accounts || hasNsSel) return false;
      if (hasSel && !sel(x)) return false;
      return inNet(x) && !(notSel?.(x) ?? false);
    }
    if (nets.length > 0) return false; // pod addresses are unknown offline
    if (notNets.length > 0 && !hasSel && !hasNsSel && !services && !accounts) return true;
    if (serviceMatch && !serviceMatch(x)) return false;
    if (accountNames && !accountNames.includes(x.serviceAccount ?? '')) return false;
    if (accountSel && !accountSel({})) return false;
    const nsOk = hasNsSel ? nsSel(x) : (namespace === undefined || !hasSel ? true : x.namespace === namespace);
    if (!nsOk) return false;
    if (hasSel && !sel(x)) return false;
    if (notSel && notSel(x)) return false;
    return true;
  };
  const text = [hasSel ? `selector ${JSON.stringify(e.selector)}` : '', hasNsSel ? `namespaceSelector ${JSON.stringify(e.namespaceSelector)}` : '',
    nets.length ? `nets ${nets.map((n) => n.text).join(', ')}` : '', notNets.length ? `notNets ${notNets.map((n) => n.text).join(', ')}` : '',
    services ? `service ${services.namespace ?? namespace}/${services.name}` : ''].filter(Boolean).join(' ');
  return {
    matches,
    namespaces: hasNsSel || namespace === undefined || !hasSel ? 'all' : [namespace],
    allWorkloads: !hasSel && !services && !accounts && nets.length === 0 && (!hasNsSel || e.namespaceSelector === 'all()') && !notSel,
    cidrs: [...nets, ...notNets].map((c) => c.text),
    text,
  };
}
