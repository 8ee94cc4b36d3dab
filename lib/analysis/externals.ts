import { Cidr, cidrLast, formatAddress, IpFamily, parseCidr } from '../core/cidr';
import { CalicoMember, Endpoint } from './model';

const BITS = { [IpFamily.IPV4]: 32, [IpFamily.IPV6]: 128 } as const;
const NO_MEMBERS: readonly CalicoMember[] = [];

/**
 * Splits the IPv4 and IPv6 address spaces at every CIDR boundary the policies
 * name, so each piece ("atom") is wholly inside or outside every block: the
 * analyzer treats each atom as one endpoint outside the workloads.
 */
export function buildExternals(cidrs: Iterable<string>, firstIdx: number, membersOf: (family: IpFamily, start: bigint, end: bigint) => readonly CalicoMember[] = () => NO_MEMBERS): Endpoint[] {
  const cuts = { [IpFamily.IPV4]: new Set<bigint>([0n]), [IpFamily.IPV6]: new Set<bigint>([0n]) };
  for (const text of cidrs) {
    const c = parseCidr(text).cidr;
    if (!c) continue;
    cuts[c.family].add(c.network);
    const next = cidrLast(c) + 1n;
    if (next < (1n << BigInt(BITS[c.family]))) cuts[c.family].add(next);
  }
  const out: Endpoint[] = [];
  for (const family of [IpFamily.IPV4, IpFamily.IPV6]) {
    const points = [...cuts[family]].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const top = 1n << BigInt(BITS[family]);
    points.forEach((start, i) => {
      const end = (i + 1 < points.length ? points[i + 1] : top) - 1n;
      const id = rangeToCidrs(family, start, end).join(',');
      out.push({
        idx: firstIdx + out.length, id, kind: 'External', labels: {}, nsLabels: {},
        calicoLabels: {}, calicoNsLabels: {}, calicoMembers: membersOf(family, start, end), ciliumLabels: {}, ports: [],
        external: { family, start, end },
      });
    });
  }
  return out;
}

/**
 * The atoms of `atoms` that overlap the addresses `start`-`end` of `family`.
 * `atoms` is what buildExternals returns, in its order: IPv4 then IPv6, each
 * family's atoms by address, together covering every address; so the first
 * one is found by binary search and the rest follow it.
 */
export function atomsOverlapping(atoms: readonly Endpoint[], family: IpFamily, start: bigint, end: bigint): Endpoint[] {
  const rank = (f: IpFamily) => (f === IpFamily.IPV4 ? 0 : 1);
  let lo = 0;
  let hi = atoms.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const e = atoms[mid].external!;
    // Atoms wholly before `start`: of an earlier family, or ending before it.
    if (rank(e.family) < rank(family) || (e.family === family && e.end < start)) lo = mid + 1; else hi = mid;
  }
  const out: Endpoint[] = [];
  for (let i = lo; i < atoms.length && atoms[i].external!.family === family && atoms[i].external!.start <= end; i++) out.push(atoms[i]);
  return out;
}

/** Whether the address range `ext` (an atom) lies inside `block`. */
export function blockHolds(block: Cidr, ext: NonNullable<Endpoint['external']>): boolean {
  return block.family === ext.family && ext.start >= block.network && ext.end <= lastOf(block);
}

const LAST = new WeakMap<Cidr, bigint>();

/** A block's last address, computed once per block (parsed blocks are shared, see parseCidr). */
function lastOf(block: Cidr): bigint {
  let last = LAST.get(block);
  if (last === undefined) {
    last = cidrLast(block);
    LAST.set(block, last);
  }
  return last;
}

/** The fewest CIDR blocks that cover exactly `start`-`end`. */
export function rangeToCidrs(family: IpFamily, start: bigint, end: bigint): string[] {
  const bits = BITS[family];
  const out: string[] = [];
  let cur = start;
  while (cur <= end) {
    let size = bits;
    while (size > 0) {
      const block = 1n << BigInt(bits - size + 1);
      if (cur % block !== 0n || cur + block - 1n > end) break;
      size--;
    }
    out.push(`${formatAddress(family, cur)}/${size}`);
    cur += 1n << BigInt(bits - size);
  }
  return out;
}

/** Merges atoms into sorted CIDR lists, joining neighbours. */
export function mergeAtoms(atoms: readonly Endpoint[]): string[] {
  const sorted = [...atoms].sort((a, b) => {
    const x = a.external!;
    const y = b.external!;
    if (x.family !== y.family) return x.family === IpFamily.IPV4 ? -1 : 1;
    return x.start < y.start ? -1 : x.start > y.start ? 1 : 0;
  });
  const out: string[] = [];
  let run: { family: IpFamily; start: bigint; end: bigint } | undefined;
  for (const a of sorted) {
    const ext = a.external!;
    if (run && run.family === ext.family && run.end + 1n === ext.start) run.end = ext.end;
    else {
      if (run) out.push(...rangeToCidrs(run.family, run.start, run.end));
      run = { family: ext.family, start: ext.start, end: ext.end };
    }
  }
  if (run) out.push(...rangeToCidrs(run.family, run.start, run.end));
  return out;
}
