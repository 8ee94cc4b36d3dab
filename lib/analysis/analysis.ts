import { Cidr, parseCidr } from '../core/cidr';
import { compareText } from '../core/order';
import { blockHolds, buildExternals, mergeAtoms } from './externals';
import { buildInventory, Inventory, WORKLOAD_KINDS } from './inventory';
import { InputProblem, LoadResult, SourcedObject } from './load';
import { Direction, Endpoint, NormPolicy, NormRule, PeerMatcher, TierInfo } from './model';
import { adminParser } from './policies/admin';
import { calicoParser } from './policies/calico';
import { ciliumParser } from './policies/cilium';
import { DialectParser, FieldError, ParseContext, resolvePorts } from './policies/common';
import { kubernetesParser } from './policies/kubernetes';
import { PeerIndex } from './peer-index';
import { PortSet } from './port-set';

/** Options of an analysis. */
export interface AnalysisOptions {
  /** Evaluate staged policies as if enforced (Calico `stagedAction: Set` replaces, `Delete` removes). */
  readonly stagedAsEnforced?: boolean;
}

/** One endpoint of a connection in the JSON output: a workload id, or a set of addresses. */
export type ConnectionEnd = string | { ips: string[] };

/** One allowed connection. */
export interface Connection {
  readonly src: ConnectionEnd;
  readonly dst: ConnectionEnd;
  readonly allowed: PortSet;
}

/** The analyzer's JSON output. */
export interface AnalysisJson {
  workloads: { id: string; kind: string }[];
  connections: { src: ConnectionEnd; dst: ConnectionEnd; allowed: ReturnType<PortSet['toJson']> }[];
}

/** One step of an explanation: a policy rule or a tier default that decided some ports. */
export interface TraceStep {
  readonly policy: string;
  readonly tier: string;
  readonly rule: string;
  readonly action: string;
  readonly ports: PortSet;
  readonly l7: readonly string[];
}

/** The verdict of one side (egress of the source, ingress of the destination). */
export interface SideVerdict {
  readonly allowed: PortSet;
  readonly steps: readonly TraceStep[];
  /** Whether any policy selects the endpoint in this direction. */
  readonly isolated: boolean;
}

const KNOWN_KINDS = new Set(['Namespace', 'Service', 'Tier', 'NetworkSet', 'GlobalNetworkSet', 'CiliumCIDRGroup', ...Object.keys(WORKLOAD_KINDS)]);
const PARSERS: readonly DialectParser[] = [kubernetesParser, calicoParser, ciliumParser, adminParser];

/**
 * One side (the egress of a source or the ingress of a destination) of every
 * endpoint selected by the same policies. Peers that the same rules match get
 * the same verdict, so verdicts are computed once per group of peers.
 */
interface SideResult {
  /** An endpoint the policies select (undefined when none do). */
  readonly subject?: Endpoint;
  readonly direction: Direction;
  /** Whether no policy selects the subject in this direction (everything is allowed). */
  readonly unselected: boolean;
  /** The rules of the selecting policies, in evaluation order. */
  readonly rules: readonly NormRule[];
  /** Indexes of the rules that do not match every workload: only they tell workloads apart. */
  readonly specific: readonly number[];
  /** Whether egress rules name ports, which resolve on each destination. */
  readonly namedEgress: boolean;
  /** Whether a named-port egress rule matches every workload, so every workload must be visited. */
  readonly everyone: boolean;
  /** The verdict for a workload no specific rule matches. */
  readonly fallback: PortSet;
  /** Verdicts by group of peers. */
  readonly verdicts: Map<string, PortSet>;
}

/**
 * Which workload can reach which, from manifests alone. Build it from loaded
 * files or cdk8s objects; read `connections()`, `toJson()` or `explain()`.
 */
export class Analysis {
  /** Analyzes loaded objects. */
  public static of(load: LoadResult, options: AnalysisOptions = {}): Analysis {
    return new Analysis(load.objects, [...load.problems], options);
  }

  /** The workloads, sorted by id. */
  public readonly workloads: Endpoint[];
  /** Address blocks outside the workloads. */
  public readonly externals: Endpoint[];
  /** Policies evaluated as enforced. */
  public readonly policies: NormPolicy[];
  /** Staged policies (not enforced unless `stagedAsEnforced`). */
  public readonly stagedPolicies: NormPolicy[];
  /** Problems in the input. */
  public readonly problems: InputProblem[];
  /** Objects of kinds the analyzer does not read, listed so nothing is silently dropped. */
  public readonly ignored: { kind: string; apiVersion: string; file: string; index: number }[] = [];
  /** Calico tiers. */
  public readonly tiers = new Map<string, TierInfo>();
  /** The inventory (namespaces, services). */
  public readonly inventory: Inventory;

  private readonly selecting: { [d in Direction]: NormPolicy[][] } = { ingress: [], egress: [] };
  private readonly sideCache = new Map<string, SideResult>();
  private readonly ordinal = new Map<NormPolicy, number>();
  private readonly unselected: { [d in Direction]: SideResult } = {
    ingress: { subject: undefined, direction: 'ingress', unselected: true, rules: [], specific: [], namedEgress: false, everyone: false, fallback: PortSet.ALL, verdicts: new Map() },
    egress: { subject: undefined, direction: 'egress', unselected: true, rules: [], specific: [], namedEgress: false, everyone: false, fallback: PortSet.ALL, verdicts: new Map() },
  };
  private readonly peers: PeerIndex;
  private readonly externalKeyCache = new WeakMap<SideResult, string[]>();
  private readonly externalGroupCache = new WeakMap<SideResult, { ips: string[]; allowed: PortSet }[]>();
  private readonly mergedCache = new Map<string, string[]>();
  private readonly policiesByNamespace = new Map<string, NormPolicy[]>();
  private readonly clusterPolicies: NormPolicy[] = [];
  private readonly candidatesByNamespace = new Map<string, NormPolicy[]>();
  private readonly portKeys: string[] = [];
  private connectionCache?: Connection[];
  private byId?: Map<string, Endpoint>;

  private constructor(objects: readonly SourcedObject[], problems: InputProblem[], options: AnalysisOptions) {
    this.problems = problems;
    const cidrGroups = new Map<string, string[]>();
    for (const s of objects) {
      const o = s.object;
      if (o.apiVersion === 'projectcalico.org/v3' && o.kind === 'Tier' && o.metadata.name) {
        const spec = (o.spec ?? {}) as { order?: number; defaultAction?: string };
        this.tiers.set(o.metadata.name, { name: o.metadata.name, order: spec.order ?? Number.MAX_SAFE_INTEGER, defaultAction: spec.defaultAction === 'Pass' ? 'Pass' : 'Deny' });
      }
      if (o.kind === 'CiliumCIDRGroup' && o.metadata.name) {
        const spec = (o.spec ?? {}) as { externalCIDRs?: string[] };
        cidrGroups.set(o.metadata.name, spec.externalCIDRs ?? []);
      }
    }
    this.inventory = buildInventory(objects, problems);
    this.workloads = this.inventory.workloads;
    const ctx: ParseContext = { problems, tiers: this.tiers, cidrGroups, services: this.inventory.services };
    const enforced: NormPolicy[] = [];
    const staged: NormPolicy[] = [];
    const networkSets: { blocks: Cidr[]; labels: { [key: string]: string } }[] = [];
    for (const s of objects) {
      const o = s.object;
      const parser = PARSERS.find((p) => p.accepts(o));
      if (!parser) {
        if ((o.kind === 'NetworkSet' || o.kind === 'GlobalNetworkSet') && o.apiVersion === 'projectcalico.org/v3') {
          const nets = ((o.spec ?? {}) as { nets?: string[] }).nets ?? [];
          networkSets.push({ blocks: nets.map((n) => parseCidr(n).cidr).filter((c): c is Cidr => c !== undefined), labels: { ...(o.metadata.labels ?? {}) } });
        }
        if (!KNOWN_KINDS.has(o.kind)) this.ignored.push({ kind: o.kind, apiVersion: o.apiVersion, file: s.file, index: s.index });
        continue;
      }
      try {
        for (const p of parser.parse(s, ctx)) (p.staged ? staged : enforced).push(p);
      } catch (e) {
        const field = e instanceof FieldError ? e.field : '';
        problems.push({ file: s.file, index: s.index, field, message: `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name ?? '?'}: ${(e as Error).message}` });
      }
    }
    this.stagedPolicies = staged;
    this.policies = options.stagedAsEnforced ? applyStaged(enforced, staged) : enforced;
    this.policies.sort(comparePolicies);
    this.policies.forEach((p, i) => this.ordinal.set(p, i));
    for (const p of this.policies) {
      if (p.namespace === undefined) { this.clusterPolicies.push(p); continue; }
      const list = this.policiesByNamespace.get(p.namespace) ?? [];
      list.push(p);
      this.policiesByNamespace.set(p.namespace, list);
    }
    const cidrs = new Set<string>();
    for (const p of [...this.policies, ...staged]) for (const r of [...(p.ingress ?? []), ...(p.egress ?? [])]) r.peer.cidrs.forEach((c) => cidrs.add(c));
    networkSets.forEach((n) => n.blocks.forEach((c) => cidrs.add(c.text)));
    this.externals = buildExternals(cidrs, this.workloads.length, (family, start, end) => labelsOfAtom(networkSets, { family, start, end }));
    for (const w of this.workloads) this.portKeys[w.idx] = w.ports.map((p) => `${p.name ?? ''}:${p.port}/${p.protocol}`).join(',');
    this.peers = new PeerIndex(this.workloads, this.externals);
  }

  /** The workload with this id (`namespace/name`), or undefined. */
  public workload(id: string): Endpoint | undefined {
    this.byId ??= new Map(this.workloads.map((w) => [w.id, w]));
    return this.byId.get(id);
  }

  /** The address block holding `ip` (an address or a CIDR's first address). */
  public external(ip: string): Endpoint | undefined {
    const block = parseCidr(ip.includes('/') ? ip : `${ip}/${ip.includes(':') ? 128 : 32}`).cidr;
    if (!block) return undefined;
    return this.externals.find((e) => e.external!.family === block.family && e.external!.start <= block.network && e.external!.end >= block.network);
  }

  /** What `src` may open to `dst`: the intersection of its egress and `dst`'s ingress verdicts. */
  public verdict(src: Endpoint, dst: Endpoint): { allowed: PortSet; egress: SideVerdict; ingress: SideVerdict } {
    const egress = src.external ? { allowed: PortSet.ALL, steps: [], isolated: false } : this.evaluate(src, dst, 'egress', true);
    const ingress = dst.external ? { allowed: PortSet.ALL, steps: [], isolated: false } : this.evaluate(dst, src, 'ingress', true);
    return { allowed: egress.allowed.intersect(ingress.allowed), egress, ingress };
  }

  /** Every allowed connection between distinct endpoints (addresses to addresses excluded). */
  public connections(): Connection[] {
    if (this.connectionCache) return this.connectionCache;
    const ingress = this.workloads.map((w) => this.side(w, 'ingress'));
    const out: Connection[] = [];
    // Traffic to and from addresses: one connection per workload and verdict,
    // the address blocks merged, computed once per side.
    for (const w of this.workloads) {
      for (const g of this.externalGroups(this.side(w, 'egress'))) out.push({ src: w.id, dst: { ips: g.ips }, allowed: g.allowed });
      for (const g of this.externalGroups(ingress[w.idx])) out.push({ src: { ips: g.ips }, dst: w.id, allowed: g.allowed });
    }
    // Traffic between workloads: the destinations a source's egress rules name,
    // and when its egress is open, every destination that admits it.
    const open = this.workloads.filter((w) => !ingress[w.idx].fallback.isEmpty).map((w) => w.idx);
    let admitting: number[][][] | undefined;
    const seen = new Int32Array(this.workloads.length).fill(-1);
    for (const src of this.workloads) {
      const eg = this.side(src, 'egress');
      const candidates: number[] = [];
      const add = (d: number) => { if (seen[d] !== src.idx && d !== src.idx) { seen[d] = src.idx; candidates.push(d); } };
      if (eg.everyone) this.workloads.forEach((x) => add(x.idx));
      else {
        for (const ri of eg.specific) for (const part of this.peers.parts(eg.rules[ri].peer)) this.peers.members(part).forEach(add);
        if (!eg.fallback.isEmpty) {
          open.forEach(add);
          admitting ??= this.admittingIndex(ingress);
          for (const dsts of admitting[src.idx] ?? []) dsts.forEach(add);
        }
      }
      candidates.sort((a, b) => a - b);
      for (const d of candidates) {
        const dst = this.workloads[d];
        const e = this.sideVerdict(eg, dst);
        if (e.isEmpty) continue;
        const allowed = e.intersect(this.sideVerdict(ingress[d], src));
        if (!allowed.isEmpty) out.push({ src: src.id, dst: dst.id, allowed });
      }
    }
    const text = (e: ConnectionEnd) => (typeof e === 'string' ? e : `~${e.ips.join(',')}`);
    const keyed = out.map((c) => ({ c, src: text(c.src), dst: text(c.dst), ports: c.allowed.key }));
    keyed.sort((a, b) => compareText(a.src, b.src) || compareText(a.dst, b.dst) || compareText(a.ports, b.ports));
    this.connectionCache = keyed.map((k) => k.c);
    return this.connectionCache;
  }

  /**
   * For each workload (by index), the lists of destinations whose ingress
   * rules name a peer matching it: where it may arrive beyond the open ones.
   */
  private admittingIndex(ingress: readonly SideResult[]): number[][][] {
    const byPart = new Map<string | PeerMatcher, { part: PeerMatcher; dsts: number[] }>();
    for (const dst of this.workloads) {
      const side = ingress[dst.idx];
      for (const ri of side.specific) {
        for (const part of this.peers.parts(side.rules[ri].peer)) {
          const id = this.peers.identity(part);
          const entry = byPart.get(id);
          if (!entry) byPart.set(id, { part, dsts: [dst.idx] });
          else if (entry.dsts[entry.dsts.length - 1] !== dst.idx) entry.dsts.push(dst.idx);
        }
      }
    }
    const admitting: number[][][] = [];
    for (const { part, dsts } of byPart.values()) for (const i of this.peers.members(part)) (admitting[i] ??= []).push(dsts);
    return admitting;
  }

  /** A side's verdicts for the address blocks, grouped by verdict, the blocks merged into CIDRs. */
  private externalGroups(side: SideResult): { ips: string[]; allowed: PortSet }[] {
    let groups = this.externalGroupCache.get(side);
    if (!groups) {
      // Blocks the same rules match share a verdict: evaluate one block per rule set.
      const keys = side.unselected ? undefined : this.externalKeys(side);
      const byKey = new Map<string, Endpoint[]>();
      this.externals.forEach((x, i) => {
        const key = keys ? keys[i] : '';
        const atoms = byKey.get(key);
        if (atoms) atoms.push(x); else byKey.set(key, [x]);
      });
      const byVerdict = new Map<string, { atoms: Endpoint[]; allowed: PortSet }>();
      for (const atoms of byKey.values()) {
        const allowed = this.sideVerdict(side, atoms[0]);
        if (allowed.isEmpty) continue;
        const g = byVerdict.get(allowed.key);
        if (g) g.atoms.push(...atoms);
        else byVerdict.set(allowed.key, { atoms: [...atoms], allowed });
      }
      groups = [...byVerdict.values()].map((g) => ({ ips: this.mergedAtoms(g.atoms.sort((a, b) => a.idx - b.idx)), allowed: g.allowed }));
      this.externalGroupCache.set(side, groups);
    }
    return groups;
  }

  /** Address blocks merged into the fewest CIDRs, memoized (many sides share the same blocks). */
  private mergedAtoms(atoms: Endpoint[]): string[] {
    const key = atoms.map((a) => a.idx).join(',');
    let cidrs = this.mergedCache.get(key);
    if (!cidrs) {
      cidrs = mergeAtoms(atoms);
      this.mergedCache.set(key, cidrs);
    }
    return cidrs;
  }

  /** The analyzer's JSON (see the README for the exact shape). */
  public toJson(): AnalysisJson {
    return {
      workloads: this.workloads.map((w) => ({ id: w.id, kind: w.kind })),
      connections: this.connections().map((c) => ({ src: c.src, dst: c.dst, allowed: c.allowed.toJson() })),
    };
  }

  /** Policies selecting `e` in `direction`, in evaluation order. */
  public policiesFor(e: Endpoint, direction: Direction): NormPolicy[] {
    const cache = this.selecting[direction];
    let list = cache[e.idx];
    if (!list) {
      list = e.external ? [] : this.candidatePolicies(e.namespace ?? '').filter((p) => p[direction] !== undefined && p.appliesTo(e));
      cache[e.idx] = list;
    }
    return list;
  }

  /** The cluster-wide and namespace policies that may select workloads of `namespace`, in evaluation order. */
  private candidatePolicies(namespace: string): NormPolicy[] {
    let list = this.candidatesByNamespace.get(namespace);
    if (!list) {
      const own = this.policiesByNamespace.get(namespace) ?? [];
      list = this.clusterPolicies.length === 0 ? own : [...this.clusterPolicies, ...own].sort(comparePolicies);
      this.candidatesByNamespace.set(namespace, list);
    }
    return list;
  }

  private side(e: Endpoint, direction: Direction): SideResult {
    const policies = this.policiesFor(e, direction);
    if (policies.length === 0) return this.unselected[direction];
    const rules = policies.flatMap((p) => p[direction] ?? []);
    const named = rules.some((r) => r.ports.hasNames);
    const portKey = direction === 'ingress' && named ? `#${this.portKeys[e.idx]}` : '';
    const key = `${direction}:${policies.map((p) => this.ordinal.get(p)).join(',')}${portKey}`;
    let side = this.sideCache.get(key);
    if (!side) {
      const namedEgress = direction === 'egress' && named;
      const everyone = namedEgress && rules.some((r) => r.ports.hasNames && r.peer.allWorkloads);
      const specific = rules.flatMap((r, i) => (r.peer.allWorkloads ? [] : [i]));
      const fallback = everyone ? PortSet.EMPTY : this.evaluate(e, undefined, direction, false).allowed;
      side = { subject: e, direction, unselected: false, rules, specific, namedEgress, everyone, fallback, verdicts: new Map() };
      this.sideCache.set(key, side);
    }
    return side;
  }

  /** The side's verdict for one peer. Peers that the same rules match share one evaluation. */
  private sideVerdict(side: SideResult, peer: Endpoint): PortSet {
    if (side.unselected) return PortSet.ALL;
    let key: string;
    if (peer.external) key = this.externalKeys(side)[peer.idx - this.workloads.length];
    else {
      key = '';
      for (const ri of side.specific) if (this.peers.matchesWorkload(side.rules[ri], peer.idx)) key += `${ri},`;
      if (key === '' && !side.namedEgress) return side.fallback;
      if (side.namedEgress) key += `#${this.portKeys[peer.idx]}`;
    }
    let allowed = side.verdicts.get(key);
    if (!allowed) {
      const matching = new Set(side.rules.filter((r, i) => (peer.external ? this.peers.externalsOf(r).has(peer.idx) : r.peer.allWorkloads || (side.specific.includes(i) && this.peers.matchesWorkload(r, peer.idx)))));
      allowed = this.evaluate(side.subject!, peer, side.direction, false, matching).allowed;
      side.verdicts.set(key, allowed);
    }
    return allowed;
  }

  /** For each address block, which of the side's rules match it, as a verdict key. */
  private externalKeys(side: SideResult): string[] {
    let keys = this.externalKeyCache.get(side);
    if (!keys) {
      const first = this.workloads.length;
      const matched: number[][] = this.externals.map(() => []);
      side.rules.forEach((r, ri) => { for (const x of this.peers.externalsOf(r)) matched[x - first].push(ri); });
      keys = matched.map((ris) => `x${ris.join(',')}`);
      this.externalKeyCache.set(side, keys);
    }
    return keys;
  }

  /**
   * Evaluates one side: the policies selecting `subject` in `direction`,
   * tier by tier, rule by rule, on port sets. `peer` undefined stands for a
   * workload no rule names specifically. `matching`, when given, is the set
   * of rules known to match `peer` (so they need not be tested again).
   */
  private evaluate(subject: Endpoint, peer: Endpoint | undefined, direction: Direction, trace: boolean, matching?: ReadonlySet<NormRule>): SideVerdict {
    const policies = this.policiesFor(subject, direction);
    if (policies.length === 0) return { allowed: PortSet.ALL, steps: [], isolated: false };
    const steps: TraceStep[] = [];
    let undecided = PortSet.ALL;
    let allowed = PortSet.EMPTY;
    let i = 0;
    while (i < policies.length && !undecided.isEmpty) {
      const tier = policies[i];
      let rem = undecided;
      let passed = PortSet.EMPTY;
      let isolating = false;
      for (; i < policies.length && sameTier(policies[i], tier); i++) {
        const p = policies[i];
        isolating = isolating || p.isolates[direction];
        for (const r of p[direction] ?? []) {
          if (rem.isEmpty) break;
          if (!(matching ? matching.has(r) : peer ? r.peer.matches(peer) : r.peer.allWorkloads)) continue;
          const ports = resolvePorts(r.ports, direction === 'ingress' ? subject : peer).intersect(rem);
          if (ports.isEmpty) continue;
          if (trace) steps.push({ policy: p.display, tier: p.tier, rule: r.field, action: r.action, ports, l7: r.l7 });
          if (r.action === 'Log') continue;
          rem = rem.subtract(ports);
          if (r.action === 'Allow') allowed = allowed.union(ports);
          else if (r.action === 'Pass') passed = passed.union(ports);
        }
      }
      if (!rem.isEmpty) {
        const defaultAction = isolating ? (this.tiers.get(tier.tier)?.defaultAction ?? (tier.layer === 1 ? 'Deny' : 'Pass')) : 'Pass';
        if (trace) steps.push({ policy: `(end of tier ${tier.tier})`, tier: tier.tier, rule: isolating ? 'default action' : 'no isolating policy', action: defaultAction, ports: rem, l7: [] });
        if (defaultAction === 'Pass') passed = passed.union(rem);
      }
      undecided = passed;
    }
    if (!undecided.isEmpty && trace) steps.push({ policy: '(no policy decided)', tier: '-', rule: 'allowed by default', action: 'Allow', ports: undecided, l7: [] });
    allowed = allowed.union(undecided);
    return { allowed, steps, isolated: true };
  }
}

function sameTier(a: NormPolicy, b: NormPolicy): boolean {
  return a.layer === b.layer && a.tierOrder === b.tierOrder && a.tier === b.tier;
}

function comparePolicies(a: NormPolicy, b: NormPolicy): number {
  return a.layer - b.layer || a.tierOrder - b.tierOrder || compareText(a.tier, b.tier) || a.order - b.order || compareText(a.name, b.name) || compareText(a.key, b.key);
}

function counterpart(p: NormPolicy): string {
  const kind = p.kind === 'StagedKubernetesNetworkPolicy' ? 'networking.k8s.io/v1/NetworkPolicy' : `projectcalico.org/v3/${p.kind.replace(/^Staged/, '')}`;
  return `${kind}/${p.namespace ?? ''}/${p.name}`;
}

function applyStaged(enforced: NormPolicy[], staged: NormPolicy[]): NormPolicy[] {
  const replaced = new Set(staged.map(counterpart));
  return [
    ...enforced.filter((p) => !replaced.has(p.key.replace(/(\/deny|#\d+)$/, ''))),
    ...staged.filter((p) => p.stagedAction !== 'Delete').map((p) => ({ ...p, staged: false })),
  ];
}

function labelsOfAtom(sets: { blocks: Cidr[]; labels: { [key: string]: string } }[], atom: NonNullable<Endpoint['external']>): { [key: string]: string } {
  const out: { [key: string]: string } = {};
  for (const s of sets) if (s.blocks.some((b) => blockHolds(b, atom))) Object.assign(out, s.labels);
  return out;
}
