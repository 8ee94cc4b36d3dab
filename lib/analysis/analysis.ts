import { Cidr, parseCidr } from '../core/cidr';
import { compareText, textRanks } from '../core/order';
import { KubeObject } from '../manifests/types';
import { atomsOverlapping, blockHolds, buildExternals, mergeAtoms } from './externals';
import { buildInventory, Inventory, WORKLOAD_KINDS } from './inventory';
import { InputProblem, LoadResult, SourcedObject } from './load';
import { CalicoMember, Direction, Endpoint, NormPolicy, NormRule, PeerMatcher, RulePorts, TierInfo } from './model';
import { adminParser } from './policies/admin';
import { calicoParser } from './policies/calico';
import { ciliumParser } from './policies/cilium';
import { DialectParser, FieldError, normPolicy, obj, ParseContext, resolvePorts, strings } from './policies/common';
import { kubernetesParser } from './policies/kubernetes';
import { PeerIndex } from './peer-index';
import { PodAddresses } from './pod-addresses';
import { checkFields } from './schema/field-check';
import { PortSet } from './port-set';
import { CALICO_NAMESPACE_LABEL, CALICO_NAMESPACE_NAME } from './selectors';
import { buffered, collected, Write } from '../core/chunks';
import { appendTo } from '../core/collections';

/** Options of an analysis. */
export interface AnalysisOptions {
  /** Evaluate staged policies as if enforced (Calico `stagedAction: Set` replaces, `Delete` removes). */
  readonly stagedAsEnforced?: boolean;
  /**
   * Where pods get their addresses (on EKS, the VPC CIDRs): Kubernetes
   * ipBlock, Calico nets and admin policies' networks then match pods in
   * those ranges. Cilium CIDR rules never match pods.
   * @default unknown: address rules match no pod, and what depends on pod
   * addresses is reported as possibly allowed
   */
  readonly podCidrs?: readonly string[];
  /**
   * The reading of pod addresses: `definite` (what surely holds) or
   * `possible` (what may hold). See PodAddresses.
   * @default 'definite'
   */
  readonly podReading?: 'definite' | 'possible';
}

/** One endpoint of a connection in the JSON output: a workload id, or a set of addresses. */
export type ConnectionEnd = string | { ips: string[] };

/** Address blocks that a side treats alike, as one connection end, and what it allows them. */
interface AddressGroup {
  readonly end: { ips: string[] };
  readonly allowed: PortSet;
}

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

/** Egress to a DNS name the engine resolves at run time. */
export interface DomainEgress {
  /** The workload id. */
  readonly src: string;
  /** The name or `*.` pattern. */
  readonly domain: string;
  /** The ports the rules allow to it. */
  readonly allowed: PortSet;
  /** L7 restrictions on it. */
  readonly l7: readonly string[];
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

/** API groups of network policy engines and APIs. */
const POLICY_GROUPS = new Set(['networking.k8s.io', 'policy.networking.k8s.io', 'projectcalico.org', 'crd.projectcalico.org', 'cilium.io', 'networking.k8s.aws']);

/**
 * Whether an object the analyzer does not read decides traffic: a kind
 * named like a policy in a policy engine's group, or any `*NetworkPolicy`.
 */
function decidesTraffic(o: KubeObject): boolean {
  const group = o.apiVersion.includes('/') ? o.apiVersion.slice(0, o.apiVersion.indexOf('/')) : '';
  return /NetworkPolicy$/.test(o.kind) || (POLICY_GROUPS.has(group) && /Polic(y|ies)$/.test(o.kind));
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
  /** For each specific rule (in the same order), the workloads its peer's parts match, by index. */
  readonly specificMembers: readonly (readonly ReadonlySet<number>[])[];
  /** Whether egress rules name ports, which resolve on each destination. */
  readonly namedEgress: boolean;
  /** Whether a named-port egress rule matches every workload, so every workload must be visited. */
  readonly everyone: boolean;
  /** The verdict for a workload no specific rule matches. */
  readonly fallback: PortSet;
  /** Verdicts by group of peers. */
  readonly verdicts: Map<string | number, PortSet>;
  /**
   * Whether the verdict for a peer is just the union of the ports of the
   * rules that match it: one tier, Allow rules only, isolating, its default
   * Deny (Kubernetes NetworkPolicy, and most recommended or generated sets).
   */
  readonly allowOnly: boolean;
}

/**
 * The sides of endpoints, found by the policies that select them: a trie on
 * the policies' evaluation ordinals, so a lookup builds no key.
 */
interface SideNode {
  readonly next: Map<number, SideNode>;
  /** The rules of the policies on the path to this node, in evaluation order. */
  rules?: readonly NormRule[];
  /** Whether those rules name ports. */
  named?: boolean;
  /** The side of the endpoints these policies select. */
  side?: SideResult;
  /** For ingress rules that name ports: the sides by the subject's container ports. */
  byPorts?: Map<string, SideResult>;
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
  /** Peers of rules whose verdict on pods depends on pod addresses (empty when none does). */
  public readonly podDependence: string[] = [];
  /** The pod ranges given, or undefined. */
  public get podCidrs(): readonly string[] | undefined {
    return this.options.podCidrs;
  }
  /** Of those, the policy objects (kinds that decide traffic): results leave them out. */
  public readonly unreadPolicies: { kind: string; apiVersion: string; file: string; index: number }[] = [];
  /** Calico tiers. */
  public readonly tiers = new Map<string, TierInfo>();
  /**
   * Workloads whose pods use the host's network (`hostNetwork: true`): not
   * analyzed as pods. They have their node's address; pod selectors of
   * NetworkPolicy do not isolate them (kubernetes.io/docs/concepts/services-networking/network-policies/
   * #networkpolicy-and-hostnetwork-pods: the behaviour is undefined) and
   * Calico and Cilium treat their traffic as the host's.
   */
  public get hostNetworkWorkloads(): readonly string[] {
    return this.inventory.hostNetwork;
  }
  /** The inventory (namespaces, services). */
  public readonly inventory: Inventory;

  private readonly selecting: { [d in Direction]: NormPolicy[][] } = { ingress: [], egress: [] };
  private readonly sides: { [d in Direction]: SideResult[] } = { ingress: [], egress: [] };
  private readonly sideRoots: { [d in Direction]: SideNode } = { ingress: { next: new Map() }, egress: { next: new Map() } };
  private readonly nodesByMask: { [d in Direction]: Map<string, Map<number, SideNode>> } = { ingress: new Map(), egress: new Map() };
  private readonly ordinal = new Map<NormPolicy, number>();
  private readonly unselected: { [d in Direction]: SideResult } = {
    ingress: { subject: undefined, direction: 'ingress', unselected: true, rules: [], specific: [], specificMembers: [], namedEgress: false, everyone: false, fallback: PortSet.ALL, verdicts: new Map(), allowOnly: false },
    egress: { subject: undefined, direction: 'egress', unselected: true, rules: [], specific: [], specificMembers: [], namedEgress: false, everyone: false, fallback: PortSet.ALL, verdicts: new Map(), allowOnly: false },
  };
  private readonly peers: PeerIndex;
  private readonly externalKeyCache = new WeakMap<SideResult, string[]>();
  private readonly memberIndexes = new WeakMap<SideResult, Map<number, number[]>>();
  /** Per side, whether its rules carry L7 rules (found once, not per connection). */
  private readonly sidesWithL7 = new WeakMap<SideResult, boolean>();
  /** Per side, its rules that match every workload (found once, not per peer). */
  private readonly generalRules = new WeakMap<SideResult, NormRule[]>();
  private readonly externalGroupCache = new WeakMap<SideResult, AddressGroup[]>();
  private readonly groupsBySignature = new Map<string, AddressGroup[]>();
  private readonly verdictsByShape = new Map<string, { fallback: PortSet; verdicts: Map<string | number, PortSet> }>();
  private readonly namedPortIds = new Map<RulePorts, string>();
  private readonly shapeIds = new Map<string, number>();
  private readonly policyShapeIds = [0, 1].map(() => ({ ingress: new Map<NormPolicy, number>(), egress: new Map<NormPolicy, number>() }));
  private readonly blockTexts = new WeakMap<ReadonlySet<number>, string>();
  private readonly mergedCache = new Map<string, { ips: string[] }>();
  private readonly policiesByNamespace = new Map<string, NormPolicy[]>();
  private readonly clusterPolicies: NormPolicy[] = [];
  private readonly candidatesByNamespace = new Map<string, NormPolicy[]>();
  private readonly portKeys: string[] = [];
  private connectionCache?: Connection[];
  /** The address-set texts of the last connection walk, in order (to merge two readings' walks). */
  private addressOrder?: readonly string[];
  private l7Present?: boolean;
  private readonly objects: readonly SourcedObject[];
  private possibleReading?: Analysis;
  private byId?: Map<string, Endpoint>;

  private constructor(objects: readonly SourcedObject[], problems: InputProblem[], private readonly options: AnalysisOptions) {
    this.objects = objects;
    this.problems = problems;
    const cidrGroups = new Map<string, string[]>();
    for (let i = 0; i < objects.length; i++) {
      const o = objects[i].object;
      const name = o.metadata.name;
      if (!name || !((o.apiVersion === 'projectcalico.org/v3' && o.kind === 'Tier') || o.kind === 'CiliumCIDRGroup')) continue;
      readField(objects[i], problems, () => {
        const spec = obj(o.spec, 'spec');
        if (o.kind === 'Tier') {
          if (spec.order !== undefined && spec.order !== null && typeof spec.order !== 'number') throw new FieldError('spec.order', 'is not a number');
          this.tiers.set(name, { name, order: typeof spec.order === 'number' ? spec.order : Number.MAX_SAFE_INTEGER, defaultAction: spec.defaultAction === 'Pass' ? 'Pass' : 'Deny' });
        } else {
          cidrGroups.set(name, strings(spec.externalCIDRs, 'spec.externalCIDRs'));
        }
      });
    }
    this.inventory = buildInventory(objects, problems);
    this.workloads = this.inventory.workloads;
    const podRanges = options.podCidrs?.map((c) => {
      const parsed = parseCidr(c);
      if (!parsed.cidr) throw new Error(`pod CIDR ${JSON.stringify(c)} ${parsed.error}`);
      return parsed.cidr;
    });
    const ctx: ParseContext = { problems, tiers: this.tiers, cidrGroups, services: this.inventory.services, pods: new PodAddresses(podRanges, options.podReading ?? 'definite'), podDependence: this.podDependence };
    const enforced: NormPolicy[] = [];
    const staged: NormPolicy[] = [];
    const networkSets: { blocks: Cidr[]; member: CalicoMember }[] = [];
    for (let i = 0; i < objects.length; i++) {
      const s = objects[i];
      const o = s.object;
      // Misspelled and mistyped fields, by the kind's upstream schema.
      for (const f of checkFields(o)) problems.push({ file: s.file, index: s.index, field: f.field, message: f.message });
      const parser = PARSERS.find((p) => p.accepts(o));
      if (!parser) {
        if ((o.kind === 'NetworkSet' || o.kind === 'GlobalNetworkSet') && o.apiVersion === 'projectcalico.org/v3') {
          readField(s, problems, () => {
            const nets = strings(obj(o.spec, 'spec').nets, 'spec.nets');
            networkSets.push({ blocks: nets.map((n) => parseCidr(n).cidr).filter((c): c is Cidr => c !== undefined), member: networkSetMember(o, this.inventory) });
          });
        }
        if (!KNOWN_KINDS.has(o.kind)) {
          this.ignored.push({ kind: o.kind, apiVersion: o.apiVersion, file: s.file, index: s.index });
          if (decidesTraffic(o)) {
            this.unreadPolicies.push({ kind: o.kind, apiVersion: o.apiVersion, file: s.file, index: s.index });
            problems.push({ file: s.file, index: s.index, field: '', message: `${o.apiVersion} ${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name ?? ''} is a policy kind the analyzer does not read: every verdict here ignores it` });
          }
        }
        continue;
      }
      ctx.document = s;
      readField(s, problems, () => {
        for (const p of parser.parse(s, ctx)) (p.staged ? staged : enforced).push(p);
      });
    }
    this.stagedPolicies = staged;
    this.warnUnknownPortNames([...enforced, ...staged]);
    this.policies = options.stagedAsEnforced ? applyStaged(enforced, staged) : enforced;
    const rank = textRanks(this.policies.flatMap((p) => [p.tier, p.name]));
    this.policies.sort((a, b) => a.layer - b.layer || a.tierOrder - b.tierOrder || rank.get(a.tier)! - rank.get(b.tier)! || a.order - b.order || rank.get(a.name)! - rank.get(b.name)! || compareText(a.key, b.key));
    this.policies.forEach((p, i) => this.ordinal.set(p, i));
    for (const p of this.policies) {
      if (p.namespace === undefined) { this.clusterPolicies.push(p); continue; }
      appendTo(this.policiesByNamespace, p.namespace, p);
    }
    const cidrs = new Set<string>();
    for (const p of [...this.policies, ...staged]) for (const r of [...(p.ingress ?? []), ...(p.egress ?? [])]) r.peer.cidrs.forEach((c) => cidrs.add(c));
    networkSets.forEach((n) => n.blocks.forEach((c) => cidrs.add(c.text)));
    this.externals = buildExternals(cidrs, this.workloads.length, (family, start, end) => membersOfAtom(networkSets, { family, start, end }));
    for (const w of this.workloads) this.portKeys[w.idx] = w.ports.map((p) => `${p.name ?? ''}:${p.port}/${p.protocol}`).join(',');
    this.peers = new PeerIndex(this.workloads, this.externals);
  }

  /**
   * Admin policies' named ports that no container of the input declares:
   * they match nothing the input shows (the rest of the rule is read).
   */
  private warnUnknownPortNames(policies: readonly NormPolicy[]): void {
    const names = new Set(this.workloads.flatMap((w) => w.ports.map((p) => p.name)).filter((n): n is string => n !== undefined));
    for (const p of policies) {
      if (p.layer === 1) continue;
      for (const r of [...(p.ingress ?? []), ...(p.egress ?? [])]) {
        for (const e of r.ports.entries) {
          if (e.name !== undefined && !names.has(e.name)) this.problems.push({ file: p.source.file, index: p.source.index, field: r.field, message: `names port "${e.name}", which no container of the input declares: it matches nothing here (the rest of the rule is read)` });
        }
      }
    }
  }

  /** A workload's container ports as text: workloads with equal text resolve named ports alike. */
  public portKey(w: Endpoint): string {
    return this.portKeys[w.idx] ?? '';
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
    return atomsOverlapping(this.externals, block.family, block.network, block.network)[0];
  }

  /**
   * The ports `src` may open to `dst`, as `verdict(src, dst).allowed`, from
   * the shared side verdicts (no trace): what checks of thousands of pairs use.
   */
  public allowedPorts(src: Endpoint, dst: Endpoint): PortSet {
    const egress = src.external ? PortSet.ALL : this.sideVerdict(this.side(src, 'egress'), dst);
    if (egress.isEmpty) return egress;
    const ingress = dst.external ? PortSet.ALL : this.sideVerdict(this.side(dst, 'ingress'), src);
    return egress.intersect(ingress);
  }

  /** What `src` may open to `dst`: the intersection of its egress and `dst`'s ingress verdicts. */
  public verdict(src: Endpoint, dst: Endpoint): { allowed: PortSet; egress: SideVerdict; ingress: SideVerdict } {
    const egress = src.external ? { allowed: PortSet.ALL, steps: [], isolated: false } : this.evaluate(src, dst, 'egress', true);
    const ingress = dst.external ? { allowed: PortSet.ALL, steps: [], isolated: false } : this.evaluate(dst, src, 'ingress', true);
    return { allowed: egress.allowed.intersect(ingress.allowed), egress, ingress };
  }

  /**
   * The same input read for what may hold when pod addresses are unknown
   * or partly covered (see PodAddresses); this analysis itself when no rule
   * depends on pod addresses.
   */
  public possible(): Analysis {
    if (this.podDependence.length === 0 || this.options.podReading === 'possible') return this;
    this.possibleReading ??= new Analysis(this.objects, [], { ...this.options, podReading: 'possible' });
    return this.possibleReading;
  }

  /**
   * Connections that may be allowed beyond `connections()`, depending on pod
   * addresses, with the ports they would add. Empty when no rule depends on
   * pod addresses.
   */
  public possiblyAllowed(): Connection[] {
    const out: Connection[] = [];
    this.eachPossiblyAllowed((c) => out.push(c));
    return out;
  }

  /**
   * `possiblyAllowed()` without keeping the connections: both readings are
   * walked side by side, block by block (rules on address blocks match
   * addresses alike in both, so both walks order their ends alike).
   * Returns how many there were.
   */
  public eachPossiblyAllowed(visit: (c: Connection) => void): number {
    const possible = this.possible();
    if (possible === this) return 0;
    const mine = this.connectionBlocks();
    const theirs = possible.connectionBlocks();
    let a = mine.next();
    let b = theirs.next();
    if (this.addressOrder?.join('\n') !== possible.addressOrder?.join('\n')) throw new Error('the two readings order address blocks differently');
    let n = 0;
    const emit = (c: Connection, extra: PortSet) => { if (!extra.isEmpty) { visit(extra === c.allowed ? c : { src: c.src, dst: c.dst, allowed: extra }); n++; } };
    for (; !b.done; b = theirs.next()) {
      while (!a.done && a.value.rank < b.value.rank) a = mine.next();
      const same = !a.done && a.value.rank === b.value.rank ? new Map(a.value.connections.map((c) => [endKey(c.dst), c.allowed])) : undefined;
      for (const c of b.value.connections) emit(c, c.allowed.subtract(same?.get(endKey(c.dst)) ?? PortSet.EMPTY));
    }
    return n;
  }

  /**
   * The L7 restrictions on an allowed connection: the L7 rules (Cilium
   * HTTP/DNS/Kafka, Calico HTTP) of the Allow rules that decide its ports,
   * as text. Empty when plain L3/L4 rules allow it.
   */
  public l7Of(c: Connection): string[] {
    this.l7Present ??= this.policies.some((p) => hasL7(p.ingress) || hasL7(p.egress));
    if (!this.l7Present) return [];
    const src = this.endOf(c.src);
    const dst = this.endOf(c.dst);
    if (!src || !dst) return [];
    const carries = (e: Endpoint, d: Direction) => {
      if (e.external) return false;
      const side = this.side(e, d);
      let l7 = this.sidesWithL7.get(side);
      if (l7 === undefined) { l7 = side.rules.some((r) => r.l7.length > 0); this.sidesWithL7.set(side, l7); }
      return l7;
    };
    if (!carries(src, 'egress') && !carries(dst, 'ingress')) return [];
    const v = this.verdict(src, dst);
    const out = new Set<string>();
    for (const step of [...v.egress.steps, ...v.ingress.steps]) {
      if (step.action === 'Allow' && !step.ports.intersect(c.allowed).isEmpty) step.l7.forEach((x) => out.add(x));
    }
    return [...out];
  }

  /**
   * Egress by DNS name: for each workload, the names its egress Allow rules
   * name (Cilium toFQDNs, ClusterNetworkPolicy and ApplicationNetworkPolicy
   * domainNames), with the rule's ports. The engine resolves them at run
   * time, so the connections are listed apart from the address blocks.
   */
  public domainEgress(): DomainEgress[] {
    const out: DomainEgress[] = [];
    for (const w of this.workloads) {
      const side = this.side(w, 'egress');
      const byName = new Map<string, { allowed: PortSet; l7: Set<string> }>();
      for (const r of side.rules) {
        if (r.action !== 'Allow' || !r.peer.domains) continue;
        const ports = resolvePorts(r.ports, undefined);
        for (const name of r.peer.domains) {
          const entry = byName.get(name) ?? { allowed: PortSet.EMPTY, l7: new Set<string>() };
          entry.allowed = entry.allowed.union(ports);
          r.l7.forEach((x) => entry.l7.add(x));
          byName.set(name, entry);
        }
      }
      for (const name of [...byName.keys()].sort(compareText)) {
        const e = byName.get(name)!;
        if (!e.allowed.isEmpty) out.push({ src: w.id, domain: name, allowed: e.allowed, l7: [...e.l7] });
      }
    }
    return out;
  }

  /** The endpoint of a connection end: a workload, or the first block of an address set. */
  private endOf(e: ConnectionEnd): Endpoint | undefined {
    return typeof e === 'string' ? this.workload(e) : e.ips.length > 0 ? this.external(e.ips[0]) : undefined;
  }

  /**
   * What the policies selecting `subject` in `direction` allow `peer`, an
   * endpoint that need not be in the input (a representative peer): one
   * side only, the other is not known.
   */
  public sideAllows(subject: Endpoint, peer: Endpoint, direction: Direction): PortSet {
    return this.evaluate(subject, peer, direction, false).allowed;
  }

  /** Every allowed connection between distinct endpoints (addresses to addresses excluded). */
  public connections(): Connection[] {
    if (this.connectionCache) return this.connectionCache;
    const out: Connection[] = [];
    for (const block of this.connectionBlocks()) for (let i = 0; i < block.connections.length; i++) out.push(block.connections[i]);
    this.connectionCache = out;
    return out;
  }

  /**
   * Every allowed connection, in the order of `connections()`, without
   * keeping them: memory grows with the model, not with the output (a
   * cluster of thousands of open workloads has millions of connections).
   * Returns how many there were.
   */
  public eachConnection(visit: (c: Connection) => void): number {
    if (this.connectionCache) { this.connectionCache.forEach(visit); return this.connectionCache.length; }
    let n = 0;
    for (const block of this.connectionBlocks()) {
      for (let i = 0; i < block.connections.length; i++) visit(block.connections[i]);
      n += block.connections.length;
    }
    return n;
  }

  /**
   * The connections in output order, one block per source end (a workload,
   * or a set of addresses), each with its rank: connections sort by the
   * text of their ends (a workload's id; `~` and the CIDRs for addresses),
   * then ports. Workloads are sorted by id already, so a workload ranks by
   * its index; the few address sets are placed between them by the same
   * comparison. Only the connections from addresses are kept for the whole
   * walk (a workload's few verdicts per direction); a workload's block is
   * built, sorted and handed out, then dropped.
   */
  private *connectionBlocks(): Generator<{ readonly rank: number; readonly connections: Connection[] }> {
    // The hot loops below index arrays instead of iterating them: a cold
    // process runs them unoptimized, where every iterator step allocates.
    const workloads = this.workloads;
    const ingress = workloads.map((w) => this.side(w, 'ingress'));
    // Traffic to and from addresses: one connection per workload and verdict,
    // the address blocks merged, computed once per side.
    const toAddresses: AddressGroup[][] = [];
    const fromAddresses: AddressGroup[][] = [];
    const addressSets = new Map<readonly string[], string>();
    for (let i = 0; i < workloads.length; i++) {
      toAddresses[i] = this.externalGroups(this.side(workloads[i], 'egress'));
      fromAddresses[i] = this.externalGroups(ingress[i]);
      for (const g of toAddresses[i]) if (!addressSets.has(g.end.ips)) addressSets.set(g.end.ips, `~${g.end.ips.join(',')}`);
      for (const g of fromAddresses[i]) if (!addressSets.has(g.end.ips)) addressSets.set(g.end.ips, `~${g.end.ips.join(',')}`);
    }
    const sorted = [...new Set(addressSets.values())].sort(compareText);
    this.addressOrder = sorted;
    const slot = sorted.length + 1;
    const textRank = new Map(sorted.map((t, k) => [t, this.workloadsBefore(t) * slot + 1 + k]));
    const addressRank = (e: { ips: string[] }) => textRank.get(addressSets.get(e.ips)!)!;
    const byPorts = (x: { rank: number; c: Connection }, y: { rank: number; c: Connection }) => x.rank - y.rank || compareText(x.c.allowed.key, y.c.allowed.key);
    // Connections from addresses, by source set: yielded between workloads by rank.
    const fromBySet = new Map<number, { rank: number; c: Connection }[]>();
    for (let i = 0; i < workloads.length; i++) {
      for (const g of fromAddresses[i]) {
        const rank = addressRank(g.end);
        appendTo(fromBySet, rank, { rank: (i + 1) * slot, c: { src: g.end, dst: workloads[i].id, allowed: g.allowed } });
      }
    }
    const fromRanks = [...fromBySet.keys()].sort((a, b) => a - b);
    let nextFrom = 0;
    const fromBlock = (rank: number) => ({ rank, connections: fromBySet.get(rank)!.sort(byPorts).map((x) => x.c) });
    // Traffic between workloads: the destinations a source's egress rules name,
    // and when its egress is open, every destination that admits it.
    const open = workloads.filter((w) => !ingress[w.idx].fallback.isEmpty).map((w) => w.idx);
    let admitting: number[][][] | undefined;
    const seen = new Int32Array(workloads.length).fill(-1);
    const candidates: number[] = [];
    for (let s = 0; s < workloads.length; s++) {
      const rank = (s + 1) * slot;
      while (nextFrom < fromRanks.length && fromRanks[nextFrom] < rank) yield fromBlock(fromRanks[nextFrom++]);
      const src = workloads[s];
      const block: { rank: number; c: Connection }[] = [];
      for (const g of toAddresses[s]) block.push({ rank: addressRank(g.end), c: { src: src.id, dst: g.end, allowed: g.allowed } });
      const eg = this.side(src, 'egress');
      candidates.length = 0;
      const add = (list: readonly number[]) => {
        for (let k = 0; k < list.length; k++) {
          const d = list[k];
          if (seen[d] !== s && d !== s) { seen[d] = s; candidates.push(d); }
        }
      };
      if (eg.everyone) add(this.allIndexes());
      else {
        for (let r = 0; r < eg.specific.length; r++) {
          const parts = this.peers.parts(eg.rules[eg.specific[r]].peer);
          for (let p = 0; p < parts.length; p++) add(this.peers.members(parts[p]));
        }
        if (!eg.fallback.isEmpty) {
          add(open);
          admitting ??= this.admittingIndex(ingress);
          const lists = admitting[s] ?? [];
          for (let l = 0; l < lists.length; l++) add(lists[l]);
        }
      }
      for (let c = 0; c < candidates.length; c++) {
        const d = candidates[c];
        const e = this.sideVerdict(eg, workloads[d]);
        if (e.isEmpty) continue;
        const allowed = e.intersect(this.sideVerdict(ingress[d], src));
        if (!allowed.isEmpty) block.push({ rank: (d + 1) * slot, c: { src: src.id, dst: workloads[d].id, allowed } });
      }
      if (block.length > 0) yield { rank, connections: block.sort(byPorts).map((x) => x.c) };
    }
    while (nextFrom < fromRanks.length) yield fromBlock(fromRanks[nextFrom++]);
  }

  /** Every workload index, ascending. */
  private allIndexes(): number[] {
    return this.workloads.map((w) => w.idx);
  }

  /** How many workload ids sort before `text`. */
  private workloadsBefore(text: string): number {
    let lo = 0;
    let hi = this.workloads.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareText(this.workloads[mid].id, text) < 0) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  /**
   * For each workload (by index), the lists of destinations whose ingress
   * rules name a peer matching it: where it may arrive beyond the open ones.
   */
  private admittingIndex(ingress: readonly SideResult[]): number[][][] {
    const byPart = new Map<string | PeerMatcher, { part: PeerMatcher; dsts: number[] }>();
    for (let dst = 0; dst < ingress.length; dst++) {
      const side = ingress[dst];
      for (let r = 0; r < side.specific.length; r++) {
        const parts = this.peers.parts(side.rules[side.specific[r]].peer);
        for (let p = 0; p < parts.length; p++) {
          const id = this.peers.identity(parts[p]);
          const entry = byPart.get(id);
          if (!entry) byPart.set(id, { part: parts[p], dsts: [dst] });
          else if (entry.dsts[entry.dsts.length - 1] !== dst) entry.dsts.push(dst);
        }
      }
    }
    const admitting: number[][][] = [];
    byPart.forEach(({ part, dsts }) => {
      const members = this.peers.members(part);
      for (let m = 0; m < members.length; m++) (admitting[members[m]] ??= []).push(dsts);
    });
    return admitting;
  }

  /** A side's verdicts for the address blocks, grouped by verdict, the blocks merged into CIDRs. */
  private externalGroups(side: SideResult): AddressGroup[] {
    let groups = this.externalGroupCache.get(side);
    if (groups) return groups;
    // Sides whose rules treat addresses alike (the same policies copied into
    // every namespace, say) share their groups.
    const signature = this.addressSignature(side);
    groups = this.groupsBySignature.get(signature);
    if (!groups) {
      // Blocks the same rules match share a verdict: evaluate one block per rule set.
      const keys = side.unselected ? undefined : this.externalKeys(side);
      const byKey = new Map<string, Endpoint[]>();
      this.externals.forEach((x, i) => {
        const key = keys ? keys[i] : '';
        appendTo(byKey, key, x);
      });
      const byVerdict = new Map<string, { atoms: Endpoint[]; allowed: PortSet }>();
      for (const atoms of byKey.values()) {
        const allowed = this.sideVerdict(side, atoms[0]);
        if (allowed.isEmpty) continue;
        const g = byVerdict.get(allowed.key);
        if (g) for (const a of atoms) g.atoms.push(a);
        else byVerdict.set(allowed.key, { atoms: [...atoms], allowed });
      }
      groups = [...byVerdict.values()].map((g) => ({ end: this.mergedAtoms(g.atoms.sort((a, b) => a.idx - b.idx)), allowed: g.allowed }));
      this.groupsBySignature.set(signature, groups);
    }
    this.externalGroupCache.set(side, groups);
    return groups;
  }

  /**
   * What decides a side's verdicts for address blocks, as text: the shape
   * of each of its policies for addresses (see policyShape), and the
   * subject's ports when its ingress rules name ports.
   */
  private addressSignature(side: SideResult): string {
    if (side.unselected) return side.direction;
    return this.shapeText(side.subject!, side.direction, true);
  }

  /** A set of address blocks as text, memoized (rules share their sets). */
  private blockListText(blocks: ReadonlySet<number>): string {
    let text = this.blockTexts.get(blocks);
    if (text === undefined) {
      text = [...blocks].join('.');
      this.blockTexts.set(blocks, text);
    }
    return text;
  }

  /** Address blocks merged into the fewest CIDRs, memoized (many sides share the same blocks, and so one end). */
  private mergedAtoms(atoms: Endpoint[]): { ips: string[] } {
    const key = atoms.map((a) => a.idx).join(',');
    let end = this.mergedCache.get(key);
    if (!end) {
      end = { ips: mergeAtoms(atoms) };
      this.mergedCache.set(key, end);
    }
    return end;
  }

  /** The analyzer's JSON (see the README for the exact shape). */
  public toJson(): AnalysisJson {
    return {
      workloads: this.workloads.map((w) => ({ id: w.id, kind: w.kind })),
      connections: this.connections().map((c) => ({ src: c.src, dst: c.dst, allowed: c.allowed.toJson() })),
    };
  }

  /**
   * `JSON.stringify(toJson())`, written directly: a large cluster's JSON is
   * tens of thousands of small objects that need not be built, and the text
   * of each shared port set and connection end is written once.
   */
  public toJsonText(options: { readonly possible?: boolean } = {}): string {
    return collected((write) => this.writeJson(write, options));
  }

  /**
   * Writes `toJsonText()` in chunks of about 64 KB as the connections are
   * found, keeping none of them: memory grows with the model, not with the
   * output. Returns the number of connections written.
   */
  public writeJson(write: Write, options: { readonly possible?: boolean } = {}): number {
    const { put, flush } = buffered(write);
    const ends = new Map<ConnectionEnd, string>();
    const endText = (e: ConnectionEnd) => {
      if (typeof e === 'string') return JSON.stringify(e);
      let text = ends.get(e);
      if (text === undefined) {
        text = JSON.stringify(e);
        ends.set(e, text);
      }
      return text;
    };
    const ports = new Map<PortSet, string>();
    const portsText = (p: PortSet) => {
      let text = ports.get(p);
      if (text === undefined) {
        text = JSON.stringify(p.toJson());
        ports.set(p, text);
      }
      return text;
    };
    put('{"workloads":[');
    this.workloads.forEach((w, i) => put(`${i ? ',' : ''}${JSON.stringify({ id: w.id, kind: w.kind })}`));
    put('],"connections":[');
    let first = true;
    const line = (c: Connection) => { put(`${first ? '' : ','}{"src":${endText(c.src)},"dst":${endText(c.dst)},"allowed":${portsText(c.allowed)}}`); first = false; };
    const count = this.eachConnection(line);
    put(']');
    // Optional: what may be allowed depending on pod addresses (same shape).
    if (options.possible) {
      put(',"possible":[');
      first = true;
      this.eachPossiblyAllowed(line);
      put(']');
    }
    put('}');
    flush();
    return count;
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
      list = this.clusterPolicies.length === 0 ? own : [...this.clusterPolicies, ...own].sort((a, b) => this.ordinal.get(a)! - this.ordinal.get(b)!);
      this.candidatesByNamespace.set(namespace, list);
    }
    return list;
  }

  /** The side of a workload in a direction, shared with every workload the same policies select. */
  private side(e: Endpoint, direction: Direction): SideResult {
    const known = this.sides[direction][e.idx];
    if (known) return known;
    const side = this.sideOf(e, direction);
    this.sides[direction][e.idx] = side;
    return side;
  }

  private sideOf(e: Endpoint, direction: Direction): SideResult {
    const byMask = this.nodeByMask(e, direction);
    const node = byMask === null ? this.nodeOf(this.policiesFor(e, direction), direction) : byMask;
    if (!node) return this.unselected[direction];
    const rules = node.rules ??= this.policiesFor(e, direction).flatMap((p) => p[direction] ?? []);
    node.named ??= rules.some((r) => r.ports.hasNames);
    if (direction === 'ingress' && node.named) {
      // Named ports resolve on the subject: workloads with other ports get other verdicts.
      node.byPorts ??= new Map();
      let side = node.byPorts.get(this.portKeys[e.idx]);
      if (!side) {
        side = this.newSide(e, direction, rules, true);
        node.byPorts.set(this.portKeys[e.idx], side);
      }
      return side;
    }
    node.side ??= this.newSide(e, direction, rules, node.named);
    return node.side;
  }

  /**
   * The trie node of the policies selecting `e`, found by which of its
   * namespace's candidate policies apply (a bit mask), so that thousands of
   * workloads need neither a policy list nor a walk down the trie; undefined
   * when nothing selects `e` (null when there are too many candidates for a mask).
   */
  private nodeByMask(e: Endpoint, direction: Direction): SideNode | undefined | null {
    const namespace = e.namespace ?? '';
    const candidates = this.candidatePolicies(namespace);
    if (candidates.length > 30) return null;
    let mask = 0;
    for (let i = 0; i < candidates.length; i++) if (candidates[i][direction] !== undefined && candidates[i].appliesTo(e)) mask |= 1 << i;
    if (mask === 0) return undefined;
    let nodes = this.nodesByMask[direction].get(namespace);
    if (!nodes) {
      nodes = new Map();
      this.nodesByMask[direction].set(namespace, nodes);
    }
    let node = nodes.get(mask);
    if (!node) {
      node = this.nodeOf(candidates.filter((_, i) => (mask & (1 << i)) !== 0), direction)!;
      nodes.set(mask, node);
    }
    return node;
  }

  /** The trie node of a list of policies (undefined for none). */
  private nodeOf(policies: readonly NormPolicy[], direction: Direction): SideNode | undefined {
    if (policies.length === 0) return undefined;
    let node = this.sideRoots[direction];
    for (let i = 0; i < policies.length; i++) {
      const ordinal = this.ordinal.get(policies[i])!;
      let next = node.next.get(ordinal);
      if (!next) {
        next = { next: new Map() };
        node.next.set(ordinal, next);
      }
      node = next;
    }
    return node;
  }

  private newSide(e: Endpoint, direction: Direction, rules: readonly NormRule[], named: boolean): SideResult {
    const namedEgress = direction === 'egress' && named;
    const everyone = namedEgress && rules.some((r) => r.ports.hasNames && r.peer.allWorkloads);
    const specific = rules.flatMap((r, i) => (r.peer.allWorkloads ? [] : [i]));
    const specificMembers = specific.map((i) => this.peers.ruleMembers(rules[i]));
    // Sides of the same shape (the same policies copied into each namespace)
    // reach the same verdict for peers matched by the same rules: share them.
    const shape = this.sideShape(e, direction);
    let shared = this.verdictsByShape.get(shape);
    if (!shared) {
      shared = { fallback: everyone ? PortSet.EMPTY : this.evaluate(e, undefined, direction, false).allowed, verdicts: new Map() };
      this.verdictsByShape.set(shape, shared);
    }
    const policies = this.policiesFor(e, direction);
    const allowOnly = rules.every((r) => r.action === 'Allow') && policies.every((p) => p.layer === 1 && p.tier === policies[0].tier)
      && policies.some((p) => p.isolates[direction]) && this.tiers.get(policies[0].tier)?.defaultAction !== 'Pass';
    return { subject: e, direction, unselected: false, rules, specific, specificMembers, namedEgress, everyone, fallback: shared.fallback, verdicts: shared.verdicts, allowOnly };
  }

  /**
   * The specific rules (positions in `side.specific`) that match workload
   * `idx`: with many specific rules (a service that admits thousands of
   * clients, one rule each) from an index built once per side, so finding a
   * peer's rules does not test every rule.
   */
  private matchedSpecific(side: SideResult, idx: number): readonly number[] {
    let index = this.memberIndexes.get(side);
    if (!index) {
      index = new Map();
      for (let i = 0; i < side.specificMembers.length; i++) {
        const seen = new Set<number>();
        for (const set of side.specificMembers[i]) {
          for (const m of set) {
            if (seen.has(m)) continue;
            seen.add(m);
            appendTo(index, m, i);
          }
        }
      }
      this.memberIndexes.set(side, index);
    }
    return index.get(idx) ?? NO_MATCHES;
  }

  /** A workload peer's verdict key on a side: a bit mask of its specific rules, or their positions as text. */
  private peerKey(side: SideResult, idx: number): number | string {
    if (side.specific.length <= 30) return matchKey(side.specificMembers, idx);
    const matched = this.matchedSpecific(side, idx);
    return matched.length === 0 ? 0 : `${matched.join(',')},`;
  }

  /**
   * What decides a side's verdicts once it is known which of its rules
   * match a peer: the shape of each of its policies (see policyShape), and
   * the subject's ports when its ingress rules name ports.
   */
  private sideShape(e: Endpoint, direction: Direction): string {
    return this.shapeText(e, direction, false);
  }

  /** The shapes of the policies selecting `e`, as text (see sideShape and addressSignature). */
  private shapeText(e: Endpoint, direction: Direction, addresses: boolean): string {
    const policies = this.policiesFor(e, direction);
    let text = direction === 'ingress' && policies.some((p) => p.ingress?.some((r) => r.ports.hasNames)) ? `${direction}#${this.portKeys[e.idx]}` : direction;
    for (let i = 0; i < policies.length; i++) text += `,${this.policyShape(policies[i], direction, addresses)}`;
    return text;
  }

  /**
   * A policy's shape in a direction, as a small id shared by policies of the
   * same shape (the same policy in every namespace): its tier and whether
   * it isolates, then per rule its action, ports and whether it matches
   * every workload. For addresses, only the rules that match some address
   * block count, with the blocks they match.
   */
  private policyShape(p: NormPolicy, direction: Direction, addresses: boolean): number {
    const known = this.policyShapeIds[addresses ? 1 : 0][direction];
    let id = known.get(p);
    if (id === undefined) {
      let text = `${p.layer}/${p.tierOrder}/${p.tier}/${p.isolates[direction] ? 1 : 0}`;
      const rules = p[direction] ?? NO_RULES;
      for (let k = 0; k < rules.length; k++) {
        const r = rules[k];
        if (!addresses) text += `;${r.action}:${this.portsId(r.ports)}:${r.peer.allWorkloads ? 1 : 0}`;
        else {
          const blocks = this.peers.externalsOf(r);
          if (blocks.size > 0) text += `;${r.action}:${this.portsId(r.ports)}:${this.blockListText(blocks)}`;
        }
      }
      id = this.shapeIds.get(text);
      if (id === undefined) {
        id = this.shapeIds.size;
        this.shapeIds.set(text, id);
      }
      known.set(p, id);
    }
    return id;
  }

  /** An id for rule ports: equal fixed sets share it, and so do rules sharing one port list. */
  private portsId(ports: RulePorts): string {
    if (ports.fixed) return ports.fixed.key;
    let id = this.namedPortIds.get(ports);
    if (id === undefined) {
      id = `n${this.namedPortIds.size}`;
      this.namedPortIds.set(ports, id);
    }
    return id;
  }

  /** The side's verdict for one peer. Peers that the same rules match share one evaluation. */
  private sideVerdict(side: SideResult, peer: Endpoint): PortSet {
    if (side.unselected) return PortSet.ALL;
    let key: string | number;
    if (peer.external) key = this.externalKeys(side)[peer.idx - this.workloads.length];
    else {
      key = this.peerKey(side, peer.idx);
      if (key === 0 && !side.namedEgress) return side.fallback;
      if (side.namedEgress) key = `${key}#${this.portKeys[peer.idx]}`;
    }
    let allowed = side.verdicts.get(key);
    if (!allowed) {
      let matching: Set<NormRule>;
      if (peer.external) matching = new Set(side.rules.filter((r) => this.peers.externalsOf(r).has(peer.idx)));
      else {
        let general = this.generalRules.get(side);
        if (!general) { general = side.rules.filter((r) => r.peer.allWorkloads); this.generalRules.set(side, general); }
        matching = new Set(general);
        const specific = side.specific.length <= 30 ? side.specific.filter((_, i) => inAny(side.specificMembers[i], peer.idx)) : this.matchedSpecific(side, peer.idx).map((i) => side.specific[i]);
        for (const i of specific) matching.add(side.rules[i]);
      }
      if (side.allowOnly) {
        // One isolating tier of Allow rules: the union of what the matching rules allow.
        const on = side.direction === 'ingress' ? side.subject : peer;
        allowed = PortSet.EMPTY;
        for (const r of matching) allowed = allowed.union(resolvePorts(r.ports, on));
      } else {
        allowed = this.evaluate(side.subject!, peer, side.direction, false, matching).allowed;
      }
      side.verdicts.set(key, allowed);
    }
    return allowed;
  }

  /** For each address block, which of the side's rules match it, as a verdict key. */
  private externalKeys(side: SideResult): string[] {
    let keys = this.externalKeyCache.get(side);
    if (!keys) {
      const first = this.workloads.length;
      const matched = this.externals.map(() => 'x');
      for (let ri = 0; ri < side.rules.length; ri++) {
        const blocks = this.peers.externalsOf(side.rules[ri]);
        if (blocks.size > 0) blocks.forEach((x) => { matched[x - first] += `${ri},`; });
      }
      keys = matched;
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
        const rules = p[direction] ?? NO_RULES;
        for (let k = 0; k < rules.length; k++) {
          const r = rules[k];
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

/**
 * Which of the rules' member sets hold `idx`, as a key: a bit mask while there are
 * few sets (the usual case, and no string to build), else the indexes as text.
 */
function matchKey(rules: readonly (readonly ReadonlySet<number>[])[], idx: number): number | string {
  if (rules.length <= 30) {
    let mask = 0;
    for (let i = 0; i < rules.length; i++) if (inAny(rules[i], idx)) mask |= 1 << i;
    return mask;
  }
  let text = '';
  for (let i = 0; i < rules.length; i++) if (inAny(rules[i], idx)) text += `${i},`;
  return text === '' ? 0 : text;
}

function inAny(sets: readonly ReadonlySet<number>[], idx: number): boolean {
  for (let i = 0; i < sets.length; i++) if (sets[i].has(idx)) return true;
  return false;
}

const NO_RULES: readonly NormRule[] = [];
const NO_MATCHES: readonly number[] = [];

/** Runs a reader of one object; a failure becomes a problem naming the object and the field. */
function readField(s: SourcedObject, problems: InputProblem[], read: () => void): void {
  try {
    read();
  } catch (e) {
    const o = s.object;
    const field = e instanceof FieldError ? e.field : '';
    problems.push({ file: s.file, index: s.index, field, message: `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name ?? '?'}: ${(e as Error).message}` });
  }
}

function sameTier(a: NormPolicy, b: NormPolicy): boolean {
  return a.layer === b.layer && a.tierOrder === b.tierOrder && a.tier === b.tier;
}

function counterpart(p: NormPolicy): string {
  const kind = p.kind === 'StagedKubernetesNetworkPolicy' ? 'networking.k8s.io/v1/NetworkPolicy' : `projectcalico.org/v3/${p.kind.replace(/^Staged/, '')}`;
  return `${kind}/${p.namespace ?? ''}/${p.name}`;
}

function applyStaged(enforced: NormPolicy[], staged: NormPolicy[]): NormPolicy[] {
  const replaced = new Set(staged.map(counterpart));
  return [
    ...enforced.filter((p) => !replaced.has(p.key.replace(/(\/deny|#\d+)$/, ''))),
    ...staged.filter((p) => p.stagedAction !== 'Delete').map((p) => normPolicy(p, p, { ...p, staged: false })),
  ];
}

/** A connection end as text, to match connections of two readings. */
function endKey(e: ConnectionEnd): string {
  return typeof e === 'string' ? e : e.ips.join(',');
}

/** Whether any of the rules carries L7 rules. */
function hasL7(rules: readonly NormRule[] | undefined): boolean {
  return rules !== undefined && rules.some((r) => r.l7.length > 0);
}

/** The network sets holding an address block, each one Calico endpoint. */
function membersOfAtom(sets: readonly { blocks: Cidr[]; member: CalicoMember }[], atom: NonNullable<Endpoint['external']>): readonly CalicoMember[] {
  return sets.filter((s) => s.blocks.some((b) => blockHolds(b, atom))).map((s) => s.member);
}

/**
 * A NetworkSet or GlobalNetworkSet as Calico selectors see it: its labels,
 * and for a namespaced set the namespace label and the namespace's labels
 * (libcalico-go lib/backend/syncersv1/updateprocessors/networksetprocessor.go
 * gives namespaced sets their namespace, as workloads have theirs).
 */
function networkSetMember(o: KubeObject, inventory: Inventory): CalicoMember {
  const labels: { [key: string]: string } = {};
  for (const [k, v] of Object.entries(o.metadata.labels ?? {})) if (typeof v === 'string') labels[k] = v;
  if (o.kind === 'GlobalNetworkSet') return { labels, calicoLabels: labels, namespace: undefined, nsLabels: {}, calicoNsLabels: {} };
  const namespace = o.metadata.namespace ?? 'default';
  const nsLabels = inventory.namespaces.get(namespace) ?? {};
  return {
    labels,
    calicoLabels: { ...labels, [CALICO_NAMESPACE_LABEL]: namespace },
    namespace,
    nsLabels,
    calicoNsLabels: { ...nsLabels, [CALICO_NAMESPACE_NAME]: namespace },
  };
}
