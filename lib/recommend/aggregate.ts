import { enclosingBlock, parseCidr } from '../core/cidr';
import { compareText } from '../core/order';
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
  readonly src: AggregateEnd;
  readonly dst: AggregateEnd;
  readonly protocol: FlowProtocol;
  readonly port: number;
  /** How many flows were seen. */
  readonly count: number;
  /** DNS names the destination addresses were reached by (Cilium). */
  readonly names: readonly string[];
  /** The addresses seen, for the API server (Kubernetes NetworkPolicy names it by address). */
  readonly addresses: readonly string[];
}

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
  /** Flows that got through. */
  public allowedFlows = 0;
  /** Flows that were dropped (not recommended, reported). */
  public deniedFlows = 0;

  private readonly observed = new Map<string, MutableObservation>();
  private readonly denied = new Map<string, MutableObservation>();
  private readonly ends = new WeakMap<FlowEnd, AggregateEnd>();
  private readonly blocks = new Map<string, AggregateEnd>();
  private readonly prefix4: number;
  private readonly prefix6: number;

  constructor(options: AggregateOptions = {}) {
    this.prefix4 = options.prefixLength ?? 32;
    this.prefix6 = options.prefixLengthV6 ?? 128;
  }

  /** Adds one flow. */
  public add(flow: ObservedFlow): void {
    const src = this.end(flow.src);
    const dst = this.end(flow.dst);
    const key = `${src.key}>${dst.key}>${flow.protocol}/${flow.port}`;
    const map = flow.allowed ? this.observed : this.denied;
    if (flow.allowed) this.allowedFlows++; else this.deniedFlows++;
    let o = map.get(key);
    if (!o) {
      o = { src, dst, protocol: flow.protocol, port: flow.port, count: 0 };
      map.set(key, o);
    }
    o.count++;
    const names = flow.dst.kind === 'address' ? flow.dst.names : undefined;
    if (names) for (const n of names) (o.names ??= new Set()).add(n);
    if (flow.dst.kind === 'api-server' && flow.dst.ip) (o.addresses ??= new Set()).add(flow.dst.ip);
  }

  /** The observations of traffic that got through, in a stable order. */
  public observations(): Observation[] {
    return freeze(this.observed);
  }

  /** The observations of dropped traffic, in a stable order. */
  public deniedObservations(): Observation[] {
    return freeze(this.denied);
  }

  private end(end: FlowEnd): AggregateEnd {
    const known = this.ends.get(end);
    if (known) return known;
    let out: AggregateEnd;
    if (end.kind === 'workload') {
      out = { kind: 'workload', key: `${end.namespace}/${labelsText(end.labels)}`, namespace: end.namespace, labels: end.labels, name: end.name };
    } else if (end.kind === 'address') {
      const ip = end.ip ?? '';
      let block = this.blocks.get(ip);
      if (!block) {
        const cidr = this.blockOf(ip);
        block = { kind: 'block', key: `@${cidr}`, cidr };
        this.blocks.set(ip, block);
      }
      out = block;
    } else {
      out = KINDS[end.kind];
    }
    this.ends.set(end, out);
    return out;
  }

  /** The aggregated block of an address (or of a CIDR, never narrower than given). */
  private blockOf(ip: string): string {
    const v6 = ip.includes(':');
    const prefix = v6 ? this.prefix6 : this.prefix4;
    if (ip.includes('/')) {
      const c = parseCidr(ip).cidr;
      if (!c) return ip;
      return c.prefix > prefix ? enclosingBlock(ip.slice(0, ip.indexOf('/')), prefix) ?? c.text : c.text;
    }
    return enclosingBlock(ip, prefix) ?? `${ip}/${v6 ? 128 : 32}`;
  }
}

const KINDS: { readonly [kind in 'api-server' | 'public' | 'private']: AggregateEnd } = {
  'api-server': { kind: 'api-server', key: '#api-server' },
  'public': { kind: 'public', key: '#public' },
  'private': { kind: 'private', key: '#private' },
};

function freeze(map: Map<string, MutableObservation>): Observation[] {
  return [...map.entries()]
    .sort((a, b) => compareText(a[0], b[0]))
    .map(([, o]) => ({
      src: o.src, dst: o.dst, protocol: o.protocol, port: o.port, count: o.count,
      names: [...(o.names ?? [])].sort(), addresses: [...(o.addresses ?? [])].sort(),
    }));
}
