import { enclosingBlock, parseCidr } from '../core/cidr';
import { dns1123LabelError, labelKeyError, labelValueError } from '../core/names';
import { FlowEnd, FlowProtocol, labelsText, ObservedFlow } from './flow';

/** Options of a `FlowAggregator`. */
export interface AggregateOptions {
  /**
   * Addresses outside the cluster are grouped into blocks of this many bits (IPv4).
   * @default 32 (every address on its own)
   */
  readonly prefixLength?: number;
  /**
   * The same for IPv6.
   * @default 128
   */
  readonly prefixLengthV6?: number;
}

/** One end of an aggregated flow: a workload, an address block, or a named kind of peer. */
export type AggregateEnd =
  | { readonly kind: 'workload'; readonly key: string; readonly namespace: string; readonly labels: { readonly [key: string]: string }; readonly name: string }
  | { readonly kind: 'block'; readonly key: string; readonly cidr: string }
  | { readonly kind: 'api-server' | 'public' | 'private'; readonly key: string };

/** Flows that share source, destination, protocol and port. */
export interface Observation {
  /** The source: a workload, an address block, or a kind of peer. */
  readonly src: AggregateEnd;
  /** The destination. */
  readonly dst: AggregateEnd;
  /** The transport protocol. */
  readonly protocol: FlowProtocol;
  /** The destination port. */
  readonly port: number;
  /** How many flows were seen. */
  readonly count: number;
  /** DNS names the destination addresses were reached by (Cilium). */
  readonly names: readonly string[];
  /** The addresses seen, for the API server (Kubernetes NetworkPolicy names it by address). */
  readonly addresses: readonly string[];
}

/**
 * An aggregator's counts as plain data (no maps), to move between threads
 * and merge into another: the connections are rows of numbers in a typed
 * array (moved, not copied, by `postMessage` with a transfer list), their
 * ends listed once.
 */
export interface AggregateState {
  /** Flows that got through. */
  readonly allowed: number;
  /** Flows that were dropped. */
  readonly dropped: number;
  /** Flows left out, by reason. */
  readonly skipped: readonly (readonly [string, number])[];
  /** The ends of the connections, which refer to them by index. */
  readonly ends: readonly AggregateEnd[];
  /** Per end (the same index), the part of the input its name comes from (see `startPart`). */
  readonly nameParts: readonly number[];
  /** Distinct connections that got through. */
  readonly observed: StateConnections;
  /** Distinct connections that were dropped. */
  readonly denied: StateConnections;
  /** The DNS names and addresses of the connections, which refer to them by index. */
  readonly strings: readonly string[];
}

/** The distinct connections of an `AggregateState`. */
export interface StateConnections {
  /**
   * `CONNECTION_FIELDS` numbers per connection: the index of its source in
   * `ends`, of its destination, and its protocol and port (`PROTOCOLS` index
   * * 65536 + port).
   */
  readonly rows: Int32Array;
  /** How many flows each connection saw. */
  readonly counts: Float64Array;
  /** DNS names the destination was reached by: pairs of a connection (its row) and a name (its index in `strings`). */
  readonly names: Int32Array;
  /** Addresses of the API server: pairs of a connection and an address, as `names`. */
  readonly addresses: Int32Array;
}

/** The buffers of a state's typed arrays, to move it to another thread without copying them. */
export function transferables(state: AggregateState): ArrayBuffer[] {
  return [state.observed, state.denied].flatMap((c) => [c.rows.buffer, c.counts.buffer, c.names.buffer, c.addresses.buffer] as ArrayBuffer[]);
}

/** Numbers per connection in `StateConnections.rows`. */
export const CONNECTION_FIELDS = 3;

type ObservationIndex = Map<AggregateEnd, Map<AggregateEnd, Map<number, MutableObservation>>>;

/** The protocols, in the order their index in `StateConnections.rows` gives. */
export const PROTOCOLS: readonly FlowProtocol[] = ['TCP', 'UDP', 'SCTP'];
const PROTOCOL_INDEX = Object.fromEntries(PROTOCOLS.map((p, i) => [p, i])) as { readonly [p in FlowProtocol]: number };

interface MutableObservation {
  src: AggregateEnd;
  dst: AggregateEnd;
  protocol: FlowProtocol;
  port: number;
  count: number;
  names?: Set<string>;
  addresses?: Set<string>;
}

/**
 * Folds a stream of flows into distinct (source, destination, protocol,
 * port) observations. Memory grows with the number of distinct triples, not
 * with the number of flows.
 */
export class FlowAggregator {
  private allowed = 0;
  private dropped = 0;

  private readonly skipped = new Map<string, number>();
  private readonly observed: ObservationIndex = new Map();
  private readonly denied: ObservationIndex = new Map();
  private readonly ends = new WeakMap<FlowEnd, AggregateEnd>();
  private readonly workloads = new Map<string, AggregateEnd>();
  /** Per workload key, the part of the input its end's name comes from. */
  private readonly nameParts = new Map<string, number>();
  private part = 0;
  private readonly blockByIp = new Map<string, AggregateEnd>();
  private readonly blockByCidr = new Map<string, AggregateEnd>();
  private readonly prefix4: number;
  private readonly prefix6: number;

  constructor(options: AggregateOptions = {}) {
    this.prefix4 = options.prefixLength ?? 32;
    this.prefix6 = options.prefixLengthV6 ?? 128;
  }

  /** Adds one flow; one whose ends cannot be written as a policy is counted as skipped, with why. */
  public add(flow: ObservedFlow): void {
    const src = this.end(flow.src);
    const dst = this.end(flow.dst);
    if (src === undefined || dst === undefined) return;
    if (flow.allowed) this.allowed++; else this.dropped++;
    const o = this.observation(flow.allowed ? this.observed : this.denied, src, dst, flow.protocol, flow.port);
    o.count++;
    const names = flow.dst.kind === 'address' ? flow.dst.names : undefined;
    if (names) for (const n of names) (o.names ??= new Set()).add(n);
    if (flow.dst.kind === 'api-server' && flow.dst.ip) (o.addresses ??= new Set()).add(flow.dst.ip);
  }

  /**
   * Flows added from now on come from part `index` of the input (its parts
   * in file order: 0, 1, ...). An aggregator is given its parts in
   * increasing order, not necessarily all of them; `merge` then gives each
   * workload the name of its flow in the lowest part, so aggregators that
   * read the parts of one file in any split, merged in any order, name
   * every workload as one reading the whole file does (after its first
   * flow).
   */
  public startPart(index: number): void {
    if (!Number.isInteger(index) || index < this.part) throw new Error(`part ${index} after part ${this.part}: an aggregator reads its parts in file order`);
    this.part = index;
  }

  /** The counts as plain data, for `merge` in another aggregator (another thread). */
  public state(): AggregateState {
    const ends = new Indexer<AggregateEnd>();
    const strings = new Indexer<string>();
    const connections = (index: ObservationIndex): StateConnections => {
      let n = 0;
      for (const byDst of index.values()) for (const byPort of byDst.values()) n += byPort.size;
      const rows = new Int32Array(n * CONNECTION_FIELDS);
      const counts = new Float64Array(n);
      const names: number[] = [];
      const addresses: number[] = [];
      let row = 0;
      for (const [src, byDst] of index) {
        const s = ends.of(src);
        for (const [dst, byPort] of byDst) {
          const d = ends.of(dst);
          for (const [portKey, o] of byPort) {
            const at = row * CONNECTION_FIELDS;
            rows[at] = s; rows[at + 1] = d; rows[at + 2] = portKey; counts[row] = o.count;
            if (o.names) for (const name of o.names) names.push(row, strings.of(name));
            if (o.addresses) for (const a of o.addresses) addresses.push(row, strings.of(a));
            row++;
          }
        }
      }
      return { rows, counts, names: Int32Array.from(names), addresses: Int32Array.from(addresses) };
    };
    const observed = connections(this.observed);
    const denied = connections(this.denied);
    const nameParts = ends.list.map((e) => (e.kind === 'workload' ? this.nameParts.get(e.key)! : 0));
    return { allowed: this.allowed, dropped: this.dropped, skipped: [...this.skipped], ends: ends.list, nameParts, observed, denied, strings: strings.list };
  }

  /**
   * Adds another aggregator's counts (`state()`). A workload takes the name
   * from the lower part (`startPart`); from this aggregator's when equal, so
   * merging the states of a file's consecutive parts in file order also
   * gives what reading the whole file gives: the name of its first flow.
   * Merge once this aggregator has read its own parts (a flow added after
   * a merge does not rename a workload the merge named).
   */
  public merge(state: AggregateState): void {
    this.allowed += state.allowed;
    this.dropped += state.dropped;
    for (const [reason, n] of state.skipped) this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + n);
    const ends = state.ends.map((end, i) => this.adopt(end, state.nameParts[i]));
    const into = (index: ObservationIndex, { rows, counts, names, addresses }: StateConnections) => {
      const merged: MutableObservation[] = [];
      let ports: Map<number, MutableObservation> | undefined;
      for (let row = 0; row < counts.length; row++) {
        const at = row * CONNECTION_FIELDS;
        const src = ends[rows[at]];
        const dst = ends[rows[at + 1]];
        // Rows come grouped by source and destination (see state()): look their ports up once per pair.
        if (row === 0 || rows[at] !== rows[at - CONNECTION_FIELDS] || rows[at + 1] !== rows[at + 1 - CONNECTION_FIELDS]) ports = portsOf(index, src, dst);
        const o = portEntry(ports!, src, dst, rows[at + 2]);
        // A count read from the Float64Array is a double: added as one it turns every
        // observation's count field into a double field (V8 migrates each object, 5x the
        // merge time, measured). Below 2^30 it is a small integer, so add it as one.
        const n = counts[row];
        o.count += n < 0x40000000 ? n | 0 : n;
        merged.push(o);
      }
      for (let i = 0; i < names.length; i += 2) (merged[names[i]].names ??= new Set()).add(state.strings[names[i + 1]]);
      for (let i = 0; i < addresses.length; i += 2) (merged[addresses[i]].addresses ??= new Set()).add(state.strings[addresses[i + 1]]);
    };
    into(this.observed, state.observed);
    into(this.denied, state.denied);
  }

  /** The observation of (src, dst, protocol, port) in `index`, made when new. */
  private observation(index: ObservationIndex, src: AggregateEnd, dst: AggregateEnd, protocol: FlowProtocol, port: number): MutableObservation {
    return portEntry(portsOf(index, src, dst), src, dst, PROTOCOL_INDEX[protocol] * 65536 + port);
  }

  /** This aggregator's end for an end of another's (the same key), whose name comes from part `part`. */
  private adopt(end: AggregateEnd, part: number): AggregateEnd {
    switch (end.kind) {
      case 'workload': {
        const mine = this.workloads.get(end.key);
        if (mine && part >= this.nameParts.get(end.key)!) return mine;
        this.nameParts.set(end.key, part);
        if (!mine) {
          const own = { ...end }; // its own object: the name may change in a later merge
          this.workloads.set(end.key, own);
          return own;
        }
        (mine as { name: string }).name = end.name;
        return mine;
      }
      case 'block': {
        const mine = this.blockByCidr.get(end.cidr);
        if (mine) return mine;
        this.blockByCidr.set(end.cidr, end);
        return end;
      }
      default:
        return KINDS[end.kind];
    }
  }

  /**
   * Flows left out because an end cannot be written as a policy peer, by
   * reason (a pod without identifying labels, an invalid namespace or label,
   * an address that is not one): the rest is recommended.
   */
  public get unidentified(): { readonly [reason: string]: number } {
    return Object.fromEntries([...this.skipped].sort((a, b) => b[1] - a[1]));
  }

  /** Flows that got through. */
  public get allowedFlows(): number {
    return this.allowed;
  }

  /** Flows that were dropped (not recommended, reported). */
  public get deniedFlows(): number {
    return this.dropped;
  }

  /** The observations of traffic that got through, in a stable order. */
  public observations(): Observation[] {
    return freeze(this.observed);
  }

  /** The observations of dropped traffic, in a stable order. */
  public deniedObservations(): Observation[] {
    return freeze(this.denied);
  }

  /** Counts a flow left out for `reason`; returns undefined for `add` to stop. */
  private skip(reason: string): undefined {
    this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + 1);
    return undefined;
  }

  private end(end: FlowEnd): AggregateEnd | undefined {
    switch (end.kind) {
      case 'address': {
        // Readers make a new object per address: cache by the address, not the object.
        const ip = end.ip ?? '';
        let block = this.blockByIp.get(ip);
        if (!block) {
          const cidr = blockOfAddress(ip, this.prefix4, this.prefix6);
          if (!parseCidr(cidr).cidr) return this.skip(`an address that is not one (${JSON.stringify(ip.slice(0, 60))})`);
          block = this.blockByCidr.get(cidr);
          if (!block) { block = { kind: 'block', key: `@${cidr}`, cidr }; this.blockByCidr.set(cidr, block); }
          this.blockByIp.set(ip, block);
        }
        return block;
      }
      case 'workload': {
        // Readers share one object per workload identity: cache by the object, and by identity.
        let out = this.ends.get(end);
        if (!out) {
          const key = `${end.namespace}/${labelsText(end.labels)}`;
          out = this.workloads.get(key);
          if (!out) {
            const reason = unwritable(end);
            if (reason) return this.skip(reason);
            out = { kind: 'workload', key, namespace: end.namespace, labels: end.labels, name: end.name };
            this.workloads.set(key, out);
            this.nameParts.set(key, this.part);
          }
          this.ends.set(end, out);
        }
        return out;
      }
      default:
        return KINDS[end.kind];
    }
  }
}

const KINDS: { readonly [kind in 'api-server' | 'public' | 'private']: AggregateEnd } = {
  'api-server': { kind: 'api-server', key: '#api-server' },
  'public': { kind: 'public', key: '#public' },
  'private': { kind: 'private', key: '#private' },
};

/** The ports map of (src, dst) in `index`, made when new. Nested maps keyed by the (shared) end objects: no key string per flow. */
function portsOf(index: ObservationIndex, src: AggregateEnd, dst: AggregateEnd): Map<number, MutableObservation> {
  let byDst = index.get(src);
  if (!byDst) { byDst = new Map(); index.set(src, byDst); }
  let byPort = byDst.get(dst);
  if (!byPort) { byPort = new Map(); byDst.set(dst, byPort); }
  return byPort;
}

/** The observation of `portKey` (protocol index * 65536 + port) in a ports map, made when new. */
function portEntry(ports: Map<number, MutableObservation>, src: AggregateEnd, dst: AggregateEnd, portKey: number): MutableObservation {
  let o = ports.get(portKey);
  if (!o) {
    o = { src, dst, protocol: PROTOCOLS[portKey >> 16], port: portKey & 0xffff, count: 0 };
    ports.set(portKey, o);
  }
  return o;
}

function freeze(index: ObservationIndex): Observation[] {
  // The order of the text keys `src>dst>protocol/port` (code units: any fixed
  // order will do, this one is fastest), without a key per observation: the
  // few distinct ends and ports are ranked by their texts, the observations
  // by those ranks. As keys hold no `>`, comparing `key>` texts first is
  // comparing the whole keys.
  const endRank = rankByText<AggregateEnd>((add) => {
    for (const [src, byDst] of index) { add(src); for (const dst of byDst.keys()) add(dst); }
  }, (end) => `${end.key}>`);
  const portRank = rankByText<number>((add) => {
    for (const byDst of index.values()) for (const byPort of byDst.values()) for (const portKey of byPort.keys()) add(portKey);
  }, (portKey) => `${PROTOCOLS[portKey >> 16]}/${portKey & 0xffff}`);
  // Sources in order, each one's destinations in order, each pair's ports in order.
  const byEnd = (x: AggregateEnd, y: AggregateEnd) => endRank.get(x)! - endRank.get(y)!;
  const byPort = (x: number, y: number) => portRank.get(x)! - portRank.get(y)!;
  const out: Observation[] = [];
  for (const src of [...index.keys()].sort(byEnd)) {
    const byDst = index.get(src)!;
    for (const dst of [...byDst.keys()].sort(byEnd)) {
      const ports = byDst.get(dst)!;
      for (const portKey of [...ports.keys()].sort(byPort)) {
        const o = ports.get(portKey)!;
        out.push({
          src, dst, protocol: o.protocol, port: o.port, count: o.count,
          names: sortedOf(o.names), addresses: sortedOf(o.addresses),
        });
      }
    }
  }
  return out;
}

/** The texts of a set in code-unit order (a new array). */
function sortedOf(set: Set<string> | undefined): string[] {
  if (!set) return [];
  if (set.size === 1) return [set.values().next().value as string]; // most have one: no spread and sort
  return Array.from(set).sort();
}

/** Gives each distinct thing an index, in order of first sight. */
class Indexer<T> {
  public readonly list: T[] = [];
  private readonly index = new Map<T, number>();

  public of(thing: T): number {
    let i = this.index.get(thing);
    if (i === undefined) { i = this.list.push(thing) - 1; this.index.set(thing, i); }
    return i;
  }
}

/** Ranks of the things `each` adds, in the code-unit order of their texts (made once per distinct thing). */
function rankByText<T>(each: (add: (thing: T) => void) => void, textOf: (thing: T) => string): Map<T, number> {
  const texts = new Map<T, string>();
  each((thing) => { if (!texts.has(thing)) texts.set(thing, textOf(thing)); });
  const sorted = [...texts].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return new Map(sorted.map(([thing], i) => [thing, i]));
}

/**
 * Why a workload end cannot be a policy peer, or undefined: a selector needs
 * labels (a CronJob's pods, or pods with only generated labels, have none
 * that last), and a valid namespace, label keys and values.
 */
function unwritable(end: Extract<FlowEnd, { kind: 'workload' }>): string | undefined {
  if (dns1123LabelError(end.namespace)) return `a namespace that is not a valid name (${JSON.stringify(end.namespace.slice(0, 63))})`;
  const keys = Object.keys(end.labels);
  if (keys.length === 0) return 'pods without identifying labels (a CronJob\'s runs, or only generated labels): add a label to the pod template, or --label-keys';
  for (const k of keys) {
    if (labelKeyError(k) || labelValueError(end.labels[k])) return `a label that is not valid (${JSON.stringify(`${k}=${end.labels[k]}`.slice(0, 80))})`;
  }
  return undefined;
}

/**
 * The block an observed address (or CIDR) is written as: the block of
 * `prefix4` (IPv4) or `prefix6` (IPv6) bits that holds it, or the CIDR
 * itself when it is already as wide; text that is not an address is kept.
 */
export function blockOfAddress(ip: string, prefix4: number, prefix6: number): string {
  const v6 = ip.includes(':');
  const prefix = v6 ? prefix6 : prefix4;
  if (ip.includes('/')) {
    const c = parseCidr(ip).cidr;
    if (!c) return ip;
    return c.prefix > prefix ? enclosingBlock(ip.slice(0, ip.indexOf('/')), prefix) ?? c.text : c.text;
  }
  return enclosingBlock(ip, prefix) ?? `${ip}/${v6 ? 128 : 32}`;
}
