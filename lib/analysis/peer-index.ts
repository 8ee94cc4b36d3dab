import { appendTo } from '../core/collections';
import { Endpoint, NormRule, PeerMatcher } from './model';

const NO_BLOCKS: ReadonlySet<number> = new Set();

/**
 * Which endpoints each rule peer matches, computed once per peer and shared
 * between peers with the same key (the same selector in many policies), so
 * the analysis tests membership instead of re-running selectors.
 */
export class PeerIndex {
  private readonly byNamespace = new Map<string, Endpoint[]>();
  private readonly lists = new Map<string | PeerMatcher, { members: number[]; set: Set<number> }>();
  private readonly externalCache = new WeakMap<NormRule, ReadonlySet<number>>();
  private readonly ruleCache = new WeakMap<NormRule, readonly ReadonlySet<number>[]>();
  private readonly partCache = new WeakMap<PeerMatcher, readonly PeerMatcher[]>();
  private readonly entries = new WeakMap<PeerMatcher, { members: number[]; set: Set<number> }>();

  constructor(private readonly workloads: readonly Endpoint[], private readonly externals: readonly Endpoint[]) {
    for (const w of workloads) appendTo(this.byNamespace, w.namespace ?? '', w);
  }

  /** The smallest peers a rule's peer is a union of (itself when it is not a union). */
  public parts(peer: PeerMatcher): readonly PeerMatcher[] {
    let parts = this.partCache.get(peer);
    if (!parts) {
      parts = peer.parts ? peer.parts.flatMap((p) => this.parts(p)) : [peer];
      this.partCache.set(peer, parts);
    }
    return parts;
  }

  /** The identity under which a peer's matches are shared. */
  public identity(peer: PeerMatcher): string | PeerMatcher {
    return peer.key ?? peer;
  }

  /** The workloads a (part) peer matches, by index, ascending. */
  public members(peer: PeerMatcher): readonly number[] {
    return this.entry(peer).members;
  }

  /** The workloads (by index) each part of a rule's peer matches: the rule matches a workload in any of them. */
  public ruleMembers(rule: NormRule): readonly ReadonlySet<number>[] {
    let sets = this.ruleCache.get(rule);
    if (!sets) {
      sets = this.parts(rule.peer).map((p) => this.entry(p).set);
      this.ruleCache.set(rule, sets);
    }
    return sets;
  }

  /** The address blocks (by index) a rule's peer matches. */
  public externalsOf(rule: NormRule): ReadonlySet<number> {
    let set = this.externalCache.get(rule);
    if (!set) {
      set = this.parts(rule.peer).every((p) => p.workloadsOnly) ? NO_BLOCKS : new Set(this.externals.filter((x) => rule.peer.matches(x)).map((x) => x.idx));
      this.externalCache.set(rule, set);
    }
    return set;
  }

  private entry(peer: PeerMatcher): { members: number[]; set: Set<number> } {
    const known = this.entries.get(peer);
    if (known) return known;
    const id = this.identity(peer);
    let entry = this.lists.get(id);
    if (!entry) {
      const { namespaces, inNamespace } = peer;
      let candidates: readonly Endpoint[];
      if (namespaces !== 'all') candidates = namespaces.length === 1 ? this.byNamespace.get(namespaces[0]) ?? [] : [...new Set(namespaces)].flatMap((ns) => this.byNamespace.get(ns) ?? []);
      else if (!inNamespace) candidates = this.workloads;
      else candidates = [...this.byNamespace.values()].filter((ws) => inNamespace(ws[0])).flat();
      const members: number[] = [];
      for (let i = 0; i < candidates.length; i++) if (peer.matches(candidates[i])) members.push(candidates[i].idx);
      // Each namespace's workloads are in index order; several namespaces need a sort.
      if (namespaces === 'all' ? inNamespace !== undefined : namespaces.length > 1) members.sort((a, b) => a - b);
      entry = { members, set: new Set(members) };
      this.lists.set(id, entry);
    }
    this.entries.set(peer, entry);
    return entry;
  }
}
