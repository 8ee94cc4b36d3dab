import { Memo } from '../../core/memo';
import { parseCidr, Cidr } from '../../core/cidr';
import { KubeObject } from '../../manifests/types';
import { blockHolds } from '../externals';
import { InputProblem, SourcedObject } from '../load';
import { Action, Endpoint, NormPolicy, PeerMatcher, RulePorts, TierInfo } from '../model';
import { PodAddresses } from '../pod-addresses';
import { ENTIRE_CLUSTER, Representative } from '../representatives';
import { AnalyzedProtocol, PortSet, PROTOCOLS } from '../port-set';
import { Labels, Matcher } from '../selectors';

/** What a dialect parser gets and gives. */
export interface ParseContext {
  /** Where problems go. */
  readonly problems: InputProblem[];
  /** Calico tiers by name. */
  readonly tiers: Map<string, TierInfo>;
  /** Cilium CIDR groups by name. */
  readonly cidrGroups: Map<string, string[]>;
  /** Services, for peers that name them. */
  readonly services: readonly { namespace: string; name: string; selector?: Labels }[];
  /** What is known of pod addresses, and the reading to make. */
  readonly pods: PodAddresses;
  /** Rules whose verdict on pods depends on their addresses (their peer text). */
  readonly podDependence: string[];
  /** The document being parsed (set before each), where warnings go. */
  document?: SourcedObject;
}

/** A parser for one group of kinds. */
export interface DialectParser {
  /** Whether the parser reads this object. */
  accepts(o: KubeObject): boolean;
  /** Normalized policies of the object (several for Cilium allow + deny). */
  parse(s: SourcedObject, ctx: ParseContext): NormPolicy[];
}

/** Thrown by field readers; caught per document and reported with the field path. */
export class FieldError extends Error {
  constructor(public readonly field: string, message: string) {
    super(message);
  }
}

/** The fields `at` is inside of, outermost first: where a warning is. */
const PATH: string[] = [];

/** Wraps a sub-parser so a failure names its field. */
export function at<T>(field: string, fn: () => T): T {
  PATH.push(field);
  try {
    return fn();
  } catch (e) {
    if (e instanceof FieldError) throw new FieldError(e.field ? `${field}.${e.field}`.replace('.[', '[') : field, e.message);
    throw new FieldError(field, (e as Error).message);
  } finally {
    PATH.pop();
  }
}

/** The path of the field being read (inside every `at`), with `suffix` below it. */
function currentField(suffix: string): string {
  return [...PATH, suffix].filter(Boolean).join('.').replace(/\.\[/g, '[');
}

/**
 * Reports something read leniently (a value the API server accepts in a
 * form the analyzer reads with care, a part left out) as a problem of the
 * document being parsed, at the current field. The rest is read.
 */
export function warn(ctx: ParseContext, field: string, message: string): void {
  const s = ctx.document;
  if (s) ctx.problems.push({ file: s.file, index: s.index, field: currentField(field), message });
}

/**
 * Reads a list of rules, each on its own: a rule that cannot be read is a
 * problem and is left out; the other rules and the policy stay in force
 * (what it would have decided falls to the rules after it).
 */
export function eachRule<T>(ctx: ParseContext, items: readonly unknown[], field: string, read: (item: unknown, field: string) => T): T[] {
  const out: T[] = [];
  items.forEach((item, i) => {
    const f = `${field}[${i}]`;
    try {
      out.push(at(f, () => read(item, f)));
    } catch (e) {
      if (!(e instanceof FieldError)) throw e;
      const s = ctx.document;
      const where = [...PATH, e.field].filter(Boolean).join('.').replace(/\.\[/g, '[');
      if (s) ctx.problems.push({ file: s.file, index: s.index, field: where, message: `${e.message}; rule ${f} is left out (the rest of the policy is read)` });
    }
  });
  return out;
}

/** A list field, or an empty list when absent. */
export function list(value: unknown, field: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new FieldError(field, 'is not a list');
  return value;
}

/** A list of strings field, or an empty list when absent. */
export function strings(value: unknown, field: string): string[] {
  const items = list(value, field);
  items.forEach((x, i) => { if (typeof x !== 'string') throw new FieldError(`${field}[${i}]`, 'is not a string'); });
  return items as string[];
}

/** An object field. */
export function obj(value: unknown, field: string): { [key: string]: unknown } {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new FieldError(field, 'is not an object');
  return value as { [key: string]: unknown };
}

/**
 * Parses a CIDR field. A block with host bits set (`10.1.2.3/16`) is what
 * the API server accepts (kubernetes apimachinery
 * pkg/util/validation/ip.go: IsValidCIDRForLegacyField accepts it,
 * GetWarningsForCIDR warns "ambiguous"; the CRDs' CEL isCIDR is Go's
 * netip.ParsePrefix, which accepts it too) and the engines use its network:
 * with `ctx`, it is read masked with a warning naming the masked value.
 * Anything else invalid fails.
 */
export function cidrField(text: unknown, field: string, ctx?: ParseContext): Cidr {
  if (typeof text !== 'string') throw new FieldError(field, 'is not a CIDR string');
  const parsed = parseCidr(text);
  if (!parsed.cidr && ctx && parsed.error === 'has host bits set' && parsed.suggestion) {
    warn(ctx, field, `${JSON.stringify(text)} has host bits set: read as ${parsed.suggestion}, the network the engines use`);
    return parseCidr(parsed.suggestion).cidr!;
  }
  if (!parsed.cidr) throw new FieldError(field, `${JSON.stringify(text)} ${parsed.error}${parsed.suggestion ? ` (did you mean ${parsed.suggestion}?)` : ''}`);
  return parsed.cidr;
}

/**
 * A list of CIDR blocks that a peer matches any of (Calico `nets`, admin
 * `networks`, Cilium `toCIDR`): an item that cannot be read is left out with
 * a warning, and the others keep their meaning (a list may mix IPv4 and
 * IPv6). Exception lists are read with cidrField: leaving one out would widen
 * the rule.
 */
export function cidrItems(ctx: ParseContext, items: readonly unknown[], field: string): Cidr[] {
  const out: Cidr[] = [];
  items.forEach((item, i) => {
    try {
      out.push(at(`${field}[${i}]`, () => cidrField(item, '', ctx)));
    } catch (e) {
      if (!(e instanceof FieldError)) throw e;
      warn(ctx, `${field}[${i}]`, `${e.message}; this block is left out, the rest of the list keeps its meaning`);
    }
  });
  return out;
}

/** A protocol field: TCP, UDP or SCTP (undefined = all three). */
export function protocolField(value: unknown, field: string, allowOthers = false): AnalyzedProtocol | undefined | 'other' {
  if (value === undefined || value === null || value === 'ANY' || value === '') return undefined;
  const text = String(value).toUpperCase();
  if ((PROTOCOLS as readonly string[]).includes(text)) return text as AnalyzedProtocol;
  if (allowOthers) return 'other';
  throw new FieldError(field, `${JSON.stringify(value)} is not TCP, UDP or SCTP`);
}

/** A port number field. */
export function portNumber(value: unknown, field: string): number {
  const n = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 65535) throw new FieldError(field, `${JSON.stringify(value)} is not a port 1-65535`);
  return n;
}

/** Builds rule ports; `fixed` is precomputed when no names are involved. */
export function rulePorts(entries: RulePorts['entries'], not: RulePorts['not'] = []): RulePorts {
  const hasNames = entries.some((e) => e.name !== undefined) || not.some((e) => e.name !== undefined);
  const fixed = hasNames ? undefined : resolvePorts({ entries, not, hasNames }, undefined);
  return { entries, not, hasNames, fixed };
}

/** Where a policy sits in the evaluation order, above its own `order`. */
export type PolicyPlacement = Pick<NormPolicy, 'layer' | 'tier' | 'tierOrder'>;
/** The fields that name a policy. */
export type PolicyIdentity = Pick<NormPolicy, 'key' | 'display' | 'kind' | 'namespace' | 'name' | 'source'>;
/** What a policy does. */
export type PolicyBody = Pick<NormPolicy, 'order' | 'appliesTo' | 'ingress' | 'egress' | 'isolates' | 'staged' | 'stagedAction'>;

/**
 * A normalized policy as one object literal of fixed shape. Policies built
 * with object spreads each get a hidden class of their own in V8, which
 * makes thousands of them several times larger and slower to build and
 * collect; so the parts are passed apart and copied field by field.
 */
export function normPolicy(id: PolicyIdentity, placement: PolicyPlacement, body: PolicyBody): NormPolicy {
  return {
    key: id.key,
    display: id.display,
    kind: id.kind,
    namespace: id.namespace,
    name: id.name,
    source: id.source,
    layer: placement.layer,
    tier: placement.tier,
    tierOrder: placement.tierOrder,
    order: body.order,
    appliesTo: body.appliesTo,
    ingress: body.ingress,
    egress: body.egress,
    isolates: body.isolates,
    staged: body.staged,
    stagedAction: body.stagedAction,
  };
}

/** Every port. */
export const ANY_PORTS: RulePorts = rulePorts([]);

/** No TCP, UDP or SCTP port (rules of other protocols: ICMP and the like). */
export const NO_PORTS: RulePorts = { entries: [], not: [], hasNames: false, fixed: PortSet.EMPTY };

/** The ports a rule matches on destination `dst` (named ports resolve on it). */
export function resolvePorts(ports: RulePorts, dst: Endpoint | undefined): PortSet {
  if (ports.fixed) return ports.fixed;
  const toSet = (list: RulePorts['entries']): PortSet => {
    let set = PortSet.EMPTY;
    for (const e of list) {
      if (e.name !== undefined) {
        for (const p of dst?.ports ?? []) {
          if (p.name === e.name && (e.protocol === undefined || e.protocol === p.protocol)) set = set.union(PortSet.range(p.protocol, p.port, p.port));
        }
      } else {
        set = set.union(PortSet.range(e.protocol, e.from ?? 1, e.to ?? e.from ?? 65535));
      }
    }
    return set;
  };
  const included = ports.entries.length === 0 ? PortSet.ALL : toSet(ports.entries);
  return ports.not.length === 0 ? included : included.subtract(toSet(ports.not));
}

/**
 * A peer matcher for IP blocks: addresses inside `cidr` and outside every
 * `except`; and every workload when `podsMatch` (a pod's address is not
 * known offline, so a block matches all pods or none: see PodAddresses).
 */
export function cidrPeer(cidr: Cidr, except: readonly Cidr[], text: string, podsMatch = false): PeerMatcher {
  const inBlock = (e: Endpoint) => e.external !== undefined && blockHolds(cidr, e.external) && !except.some((x) => blockHolds(x, e.external!));
  return {
    matches: podsMatch ? (e) => e.external === undefined || inBlock(e) : inBlock,
    namespaces: podsMatch ? 'all' : [],
    allWorkloads: podsMatch,
    cidrs: [cidr.text, ...except.map((x) => x.text)],
    text: podsMatch ? `${text} (with the pods' addresses)` : text,
  };
}

/**
 * A block peer of a rule of a kind that matches pods by address (Kubernetes
 * ipBlock, Calico nets, admin policies' networks), read as the analysis's
 * PodAddresses say; notes on the context when the verdict on pods depends
 * on their addresses.
 */
export function addressPeer(ctx: ParseContext, cidr: Cidr, except: readonly Cidr[], action: Action, text: string): PeerMatcher {
  if (ctx.pods.uncertain(cidr, except, action)) ctx.podDependence.push(text);
  return cidrPeer(cidr, except, text, ctx.pods.matchesPods(cidr, except, action));
}


/** Matches everything: every workload and every address. */
export function anyPeer(text = 'anyone'): PeerMatcher {
  return { matches: () => true, namespaces: 'all', allWorkloads: true, cidrs: [], representatives: [ENTIRE_CLUSTER], text };
}

/** Matches nothing. */
export function nobody(text: string): PeerMatcher {
  return { matches: () => false, namespaces: [], allWorkloads: false, cidrs: [], text };
}

/**
 * DNS names the engine resolves at run time (Cilium toFQDNs, ClusterNetworkPolicy
 * and ApplicationNetworkPolicy domainNames): no address of the input is
 * such a name, so it matches nothing here; outputs show the names.
 */
export function domainPeer(names: readonly string[], what: string): PeerMatcher {
  return { matches: () => false, namespaces: [], allWorkloads: false, cidrs: [], domains: names, text: `${what} ${names.join(', ')} (resolved at run time)` };
}

/** Matches when any of the peers does. */
export function anyOf(peers: readonly PeerMatcher[]): PeerMatcher {
  if (peers.length === 1) return peers[0];
  const namespaces = peers.some((p) => p.namespaces === 'all') ? 'all' as const : [...new Set(peers.flatMap((p) => p.namespaces as string[]))];
  return {
    matches: (e) => peers.some((p) => p.matches(e)),
    namespaces,
    parts: peers,
    allWorkloads: peers.some((p) => p.allWorkloads),
    cidrs: peers.flatMap((p) => p.cidrs),
    domains: peers.some((p) => p.domains) ? peers.flatMap((p) => p.domains ?? []) : undefined,
    representatives: peers.some((p) => p.representatives) ? peers.flatMap((p) => p.representatives ?? []) : undefined,
    text: peers.map((p) => p.text).join(' or '),
  };
}

/** The labels each engine's pod selectors see. */
const LABEL_VIEWS: { readonly [view: string]: (e: Endpoint) => Labels } = {
  k8s: (e) => e.labels,
  calico: (e) => e.calicoLabels,
  cilium: (e) => e.ciliumLabels,
};

/** The namespace labels each engine's namespace selectors see. */
const NAMESPACE_LABEL_VIEWS: { readonly [view: string]: (e: Endpoint) => Labels } = {
  k8s: (e) => e.nsLabels,
  calico: (e) => e.calicoNsLabels,
  cilium: (e) => e.nsLabels,
};

/** Workloads chosen by a pod matcher within namespaces chosen by a namespace matcher. */
export function workloadPeer(pod: Matcher, ns: Matcher | string, text: string, view: 'k8s' | 'calico' | 'cilium', podIsAll: boolean, nsIsAll: boolean, representative?: Representative): PeerMatcher {
  // The key names what the peer matches, so peers with one key are one peer
  // (the same selector in every namespace's policies is built once).
  const key = `${view}|${typeof ns === 'string' ? ns : '*'}|${text}`;
  return WORKLOAD_PEERS.get(key, () => {
    const labelsOf = LABEL_VIEWS[view];
    const nsLabelsOf = NAMESPACE_LABEL_VIEWS[view];
    const nsTest = typeof ns === 'string' ? (e: Endpoint) => e.namespace === ns : (e: Endpoint) => ns(nsLabelsOf(e));
    return {
      matches: (e) => e.external === undefined && nsTest(e) && pod(labelsOf(e)),
      namespaces: typeof ns === 'string' ? [ns] : 'all',
      inNamespace: nsTest,
      key,
      allWorkloads: podIsAll && nsIsAll && typeof ns !== 'string',
      workloadsOnly: true,
      cidrs: NO_CIDRS,
      representatives: representative ? [representative] : undefined,
      text,
    };
  });
}

const WORKLOAD_PEERS = new Memo<PeerMatcher>();
const NO_CIDRS: readonly string[] = [];

/** A short display of a selector JSON. */
export function showSelector(selector: unknown): string {
  if (selector === undefined) return '(all)';
  const text = JSON.stringify(selector);
  return text === '{}' ? '{} (all)' : text;
}

/** The default tier's settings. */
export const DEFAULT_TIER: TierInfo = { name: 'default', order: 1_000_000, defaultAction: 'Deny' };

/** Where Kubernetes and Cilium policies sit: Calico's default tier, between admin and baseline policies. */
export const IN_DEFAULT_TIER = { layer: 1, tier: DEFAULT_TIER.name, tierOrder: DEFAULT_TIER.order } as const;

/** The fields that name a policy object: key, display text, kind, namespace, name and source. */
export function policyIdentity(s: SourcedObject, namespace: string | undefined, keySuffix = ''): PolicyIdentity {
  const o = s.object;
  const name = o.metadata.name ?? '';
  return { key: policyKey(o, keySuffix), display: `${o.kind} ${namespace ? `${namespace}/` : ''}${name}`, kind: o.kind, namespace, name, source: s };
}

/** A unique key for a policy object. */
export function policyKey(o: KubeObject, suffix = ''): string {
  return `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}${suffix}`;
}

