/**
 * Sets of (protocol, port) as sorted, disjoint inclusive ranges per protocol.
 * Immutable; the analyzer's verdicts are port sets.
 */

/** The protocols the analyzer tracks (the ones NetworkPolicy can name). */
export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
/** One of `PROTOCOLS`. */
export type AnalyzedProtocol = typeof PROTOCOLS[number];

type Ranges = readonly number[]; // [from, to, from, to, ...]

const FULL: Ranges = [1, 65535];

/** An immutable set of ports per protocol. */
export class PortSet {
  /** No port. */
  public static readonly EMPTY = new PortSet([], [], []);
  /** Every port of every protocol. */
  public static readonly ALL = new PortSet(FULL, FULL, FULL);

  /** A range of one protocol, or of every protocol when `protocol` is undefined. */
  public static range(protocol: AnalyzedProtocol | undefined, from = 1, to = 65535): PortSet {
    const r = from <= to ? [Math.max(1, from), Math.min(65535, to)] : [];
    if (protocol === undefined) return new PortSet(r, r, r);
    return new PortSet(protocol === 'TCP' ? r : [], protocol === 'UDP' ? r : [], protocol === 'SCTP' ? r : []);
  }

  private cachedKey?: string;

  private constructor(private readonly tcp: Ranges, private readonly udp: Ranges, private readonly sctp: Ranges) {}

  private get(p: AnalyzedProtocol): Ranges {
    return p === 'TCP' ? this.tcp : p === 'UDP' ? this.udp : this.sctp;
  }

  /** Whether no port is in the set. */
  public get isEmpty(): boolean {
    return this.tcp.length === 0 && this.udp.length === 0 && this.sctp.length === 0;
  }

  /** Whether every port of every protocol is in the set. */
  public get isAll(): boolean {
    return PROTOCOLS.every((p) => { const r = this.get(p); return r.length === 2 && r[0] === 1 && r[1] === 65535; });
  }

  /** Whether `port` of `protocol` is in the set. */
  public has(protocol: AnalyzedProtocol, port: number): boolean {
    const r = this.get(protocol);
    for (let i = 0; i < r.length; i += 2) if (port >= r[i] && port <= r[i + 1]) return true;
    return false;
  }

  /** The union. */
  public union(o: PortSet): PortSet {
    if (o.isEmpty) return this;
    if (this.isEmpty) return o;
    return new PortSet(union(this.tcp, o.tcp), union(this.udp, o.udp), union(this.sctp, o.sctp));
  }

  /** The intersection. */
  public intersect(o: PortSet): PortSet {
    if (this.isEmpty || o.isEmpty) return PortSet.EMPTY;
    if (o === PortSet.ALL) return this;
    if (this === PortSet.ALL) return o;
    return new PortSet(intersect(this.tcp, o.tcp), intersect(this.udp, o.udp), intersect(this.sctp, o.sctp));
  }

  /** This set minus `o`. */
  public subtract(o: PortSet): PortSet {
    if (this.isEmpty || o.isEmpty) return this;
    if (o.isAll) return PortSet.EMPTY;
    return new PortSet(intersect(this.tcp, complement(o.tcp)), intersect(this.udp, complement(o.udp)), intersect(this.sctp, complement(o.sctp)));
  }

  /** Whether both sets hold the same ports. */
  public equals(o: PortSet): boolean {
    return this.key === o.key;
  }

  /** A canonical text of the set, usable as a map key. */
  public get key(): string {
    this.cachedKey ??= `${this.tcp.join(',')}|${this.udp.join(',')}|${this.sctp.join(',')}`;
    return this.cachedKey;
  }

  /** The set as `"all"` or the analyzer's JSON: `[{protocol, ports: [[from, to], ...]}]`. */
  public toJson(): 'all' | { protocol: AnalyzedProtocol; ports: [number, number][] }[] {
    if (this.isAll) return 'all';
    return PROTOCOLS.filter((p) => this.get(p).length > 0).map((protocol) => {
      const r = this.get(protocol);
      const ports: [number, number][] = [];
      for (let i = 0; i < r.length; i += 2) ports.push([r[i], r[i + 1]]);
      return { protocol, ports };
    });
  }

  /** Human text: `all`, `TCP 80, 443, 8000-8080; UDP 53`. */
  public toString(): string {
    if (this.isAll) return 'all';
    if (this.isEmpty) return 'nothing';
    return PROTOCOLS.filter((p) => this.get(p).length > 0).map((p) => {
      const r = this.get(p);
      const parts: string[] = [];
      for (let i = 0; i < r.length; i += 2) parts.push(r[i] === 1 && r[i + 1] === 65535 ? 'all ports' : r[i] === r[i + 1] ? `${r[i]}` : `${r[i]}-${r[i + 1]}`);
      return `${p} ${parts.join(', ')}`;
    }).join('; ');
  }
}

function union(a: Ranges, b: Ranges): Ranges {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const pairs: [number, number][] = [];
  for (let i = 0; i < a.length; i += 2) pairs.push([a[i], a[i + 1]]);
  for (let i = 0; i < b.length; i += 2) pairs.push([b[i], b[i + 1]]);
  pairs.sort((x, y) => x[0] - y[0]);
  const out: number[] = [];
  for (const [f, t] of pairs) {
    if (out.length > 0 && f <= out[out.length - 1] + 1) out[out.length - 1] = Math.max(out[out.length - 1], t);
    else out.push(f, t);
  }
  return out;
}

function intersect(a: Ranges, b: Ranges): Ranges {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const f = Math.max(a[i], b[j]);
    const t = Math.min(a[i + 1], b[j + 1]);
    if (f <= t) out.push(f, t);
    if (a[i + 1] < b[j + 1]) i += 2; else j += 2;
  }
  return out;
}

function complement(a: Ranges): Ranges {
  const out: number[] = [];
  let next = 1;
  for (let i = 0; i < a.length; i += 2) {
    if (a[i] > next) out.push(next, a[i] - 1);
    next = a[i + 1] + 1;
  }
  if (next <= 65535) out.push(next, 65535);
  return out;
}
