import { FlowEnd, FlowProtocol, identityLabels, LineResult, workloadNameFromPod } from '../flow';

/**
 * Reads Cilium Hubble flows, one JSON object per line, as `hubble observe
 * --output json` prints them (`{"flow": {...}, ...}`, or the bare flow).
 *
 * Only L3/L4 flow events count; L7 records, replies and host traffic are
 * skipped. Forwarded, redirected and audited traffic got through; dropped
 * traffic did not.
 *
 * A line is read one of two ways that give the same result: a scan for the
 * few fields needed, which works when both endpoints' security identities
 * were seen before (Hubble repeats a handful of identities millions of
 * times), and `JSON.parse` for everything else.
 */
export class HubbleReader {
  /** Endpoints by Cilium security identity (a label set, cluster-wide). */
  private readonly identities = new Map<number, FlowEnd>();

  constructor(private readonly identityKeys?: readonly string[]) {}

  /** Reads one line. */
  public read(line: string): LineResult {
    return this.fast(line) ?? this.slow(line);
  }

  /** The field scan; undefined when the line needs a full parse. */
  private fast(line: string): LineResult | undefined {
    const srcAt = line.indexOf('"source":{');
    const dstAt = line.indexOf('"destination":{');
    if (srcAt < 0 || dstAt < 0) return undefined;
    const srcEnd = objectEnd(line, srcAt + 9);
    const dstEnd = objectEnd(line, dstAt + 14);
    if (srcEnd < 0 || dstEnd < 0) return undefined;
    const srcId = numberField(line, '"identity":', srcAt, srcEnd);
    const dstId = numberField(line, '"identity":', dstAt, dstEnd);
    if (srcId === undefined || dstId === undefined) return undefined;
    const type = stringField(line, '"Type":"', 0, line.length);
    if (type !== undefined && type !== 'L3_L4') return { skip: `Type ${type}` };
    if (line.includes('"is_reply":true') || line.includes('"reply":true')) return { skip: 'reply' };
    const verdict = stringField(line, '"verdict":"', 0, line.length);
    if (verdict === undefined) return undefined;
    const allowed = verdictAllows(verdict);
    if (allowed === undefined) return { skip: `verdict ${verdict}` };
    const l4At = line.indexOf('"l4":{"');
    if (l4At < 0) return undefined;
    const protoEnd = line.indexOf('"', l4At + 7);
    const proto = line.slice(l4At + 7, protoEnd);
    if (proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') return { skip: `protocol ${proto}` };
    const l4End = objectEnd(line, l4At + 5);
    const port = numberField(line, '"destination_port":', l4At, l4End);
    if (port === undefined || port < 1 || port > 65535) return undefined;
    const src = this.knownEnd(srcId);
    const dst = this.knownEnd(dstId);
    if (src === undefined || dst === undefined) return undefined;
    if (src === SKIP || dst === SKIP) return { skip: 'host or node traffic' };
    const ipAt = line.indexOf('"IP":{');
    const ipEnd = ipAt < 0 ? -1 : objectEnd(line, ipAt + 5);
    const resolve = (end: FlowEnd | typeof ADDRESS, side: 'source' | 'destination'): FlowEnd | undefined => {
      if (end === ADDRESS) return this.address(line, ipAt, ipEnd, side, `${side}_names`);
      if (end !== API_SERVER) return end;
      const ip = ipAt < 0 ? undefined : stringField(line, `"${side}":"`, ipAt, ipEnd);
      return ip ? { kind: 'api-server', ip } : API_SERVER;
    };
    const from = resolve(src, 'source');
    const to = resolve(dst, 'destination');
    if (from === undefined || to === undefined) return undefined;
    return { flow: { src: from, dst: to, protocol: proto, port, allowed } };
  }

  /** A cached endpoint, a marker for addresses or skipped identities, or undefined when unknown. */
  private knownEnd(identity: number): FlowEnd | typeof ADDRESS | typeof SKIP | undefined {
    const reserved = reservedIdentity(identity);
    if (reserved !== undefined) return reserved;
    return this.identities.get(identity);
  }

  private address(line: string, ipAt: number, ipEnd: number, side: 'source' | 'destination', namesKey: string): FlowEnd | undefined {
    if (ipAt < 0 || ipEnd < 0) return undefined;
    const ip = stringField(line, `"${side}":"`, ipAt, ipEnd);
    if (ip === undefined) return undefined;
    const namesAt = line.indexOf(`"${namesKey}":[`);
    if (namesAt < 0) return { kind: 'address', ip };
    const close = line.indexOf(']', namesAt);
    const names = JSON.parse(line.slice(namesAt + namesKey.length + 3, close + 1)) as unknown;
    return Array.isArray(names) && names.length > 0 ? { kind: 'address', ip, names: names.map(String) } : { kind: 'address', ip };
  }

  /** The full parse. */
  private slow(line: string): LineResult {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (e) {
      return { error: `is not JSON: ${(e as Error).message}` };
    }
    if (!isObject(parsed)) return { error: 'is not a JSON object' };
    const flow = isObject(parsed.flow) ? parsed.flow : parsed;
    if (!isObject(flow.l4) && !isObject(flow.IP) && flow.verdict === undefined) return { error: 'is not a Hubble flow (no verdict, IP or l4)' };
    if (flow.Type !== undefined && flow.Type !== 'L3_L4') return { skip: `Type ${String(flow.Type)}` };
    if (flow.is_reply === true || flow.reply === true) return { skip: 'reply' };
    if (typeof flow.verdict !== 'string') return { skip: 'no verdict' };
    const allowed = verdictAllows(flow.verdict);
    if (allowed === undefined) return { skip: `verdict ${flow.verdict}` };
    const l4 = isObject(flow.l4) ? flow.l4 : {};
    const proto = Object.keys(l4)[0];
    if (proto === undefined) return { skip: 'no L4 header' };
    if (proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') return { skip: `protocol ${proto}` };
    const ports = isObject(l4[proto]) ? l4[proto] as { [key: string]: unknown } : {};
    const port = ports.destination_port;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return { error: `l4.${proto}.destination_port is ${JSON.stringify(port)}, not a port 1-65535` };
    const ip = isObject(flow.IP) ? flow.IP : {};
    const src = this.endpoint(flow.source, ip.source, flow.source_names);
    const dst = this.endpoint(flow.destination, ip.destination, flow.destination_names);
    if ('error' in src) return src;
    if ('error' in dst) return dst;
    if ('skip' in src) return src;
    if ('skip' in dst) return dst;
    return { flow: { src: src.end, dst: dst.end, protocol: proto as FlowProtocol, port, allowed } };
  }

  private endpoint(raw: unknown, ip: unknown, names: unknown): { end: FlowEnd } | { skip: string } | { error: string } {
    const ep = isObject(raw) ? raw : {};
    const identity = typeof ep.identity === 'number' ? ep.identity : undefined;
    const labels = Array.isArray(ep.labels) ? ep.labels.map(String) : [];
    const reserved = identity !== undefined ? reservedIdentity(identity) : undefined;
    const isReserved = (name: string) => labels.includes(`reserved:${name}`);
    if (reserved === SKIP || (reserved === undefined && (isReserved('host') || isReserved('remote-node') || isReserved('health')))) return { skip: 'host or node traffic' };
    if (reserved === API_SERVER || (reserved === undefined && isReserved('kube-apiserver'))) {
      return { end: typeof ip === 'string' && ip !== '' ? { kind: 'api-server', ip } : API_SERVER };
    }
    const namespace = typeof ep.namespace === 'string' ? ep.namespace : '';
    if (reserved === ADDRESS || namespace === '' || isReserved('world') || labels.some((l) => l.startsWith('cidr:'))) {
      if (typeof ip !== 'string' || ip === '') return { error: 'an endpoint outside the cluster has no IP address' };
      const dns = Array.isArray(names) ? names.map(String) : [];
      return { end: dns.length > 0 ? { kind: 'address', ip, names: dns } : { kind: 'address', ip } };
    }
    const all: { [key: string]: string } = {};
    for (const l of labels) {
      if (!l.startsWith('k8s:')) continue;
      const eq = l.indexOf('=');
      if (eq > 4) all[l.slice(4, eq)] = l.slice(eq + 1);
    }
    const workloads = Array.isArray(ep.workloads) ? ep.workloads.filter(isObject) : [];
    const owner = workloads.length > 0 && typeof workloads[0].name === 'string' ? workloads[0].name : undefined;
    const pod = typeof ep.pod_name === 'string' ? ep.pod_name : undefined;
    const stable = identityLabels(all, this.identityKeys);
    const name = owner ?? (pod ? workloadNameFromPod(pod) : Object.values(stable).join('-') || 'workload');
    const end: FlowEnd = { kind: 'workload', namespace, labels: stable, name };
    if (identity !== undefined && identity >= FIRST_CLUSTER_IDENTITY && identity < FIRST_LOCAL_IDENTITY && !this.identities.has(identity)) this.identities.set(identity, end);
    return { end };
  }
}

const ADDRESS = Symbol('address');
const SKIP = Symbol('skip');
const API_SERVER: FlowEnd = { kind: 'api-server' };
/** Cilium's reserved identities are below 256; local (CIDR, FQDN) identities start at 2^24. */
const FIRST_CLUSTER_IDENTITY = 256;
const FIRST_LOCAL_IDENTITY = 1 << 24;

/** What a reserved or local identity stands for; undefined for cluster identities. */
function reservedIdentity(identity: number): FlowEnd | typeof ADDRESS | typeof SKIP | undefined {
  if (identity >= FIRST_LOCAL_IDENTITY) return ADDRESS;
  if (identity >= FIRST_CLUSTER_IDENTITY) return undefined;
  switch (identity) {
    case 2: case 9: case 10: return ADDRESS; // world, world-ipv4, world-ipv6
    case 7: return API_SERVER; // kube-apiserver
    default: return SKIP; // host, unmanaged, health, init, remote-node, ingress
  }
}

/** Forwarded, redirected (to a proxy), audited, traced and translated traffic got through. */
function verdictAllows(verdict: string): boolean | undefined {
  switch (verdict) {
    case 'FORWARDED': case 'REDIRECTED': case 'AUDIT': case 'TRACED': case 'TRANSLATED': return true;
    case 'DROPPED': case 'ERROR': return false;
    default: return undefined;
  }
}

function isObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The index just past the `}` closing the object that opens at `open`, or -1. */
function objectEnd(s: string, open: number): number {
  if (s.charCodeAt(open) !== 123) return -1;
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34) { // a string: skip to its closing quote
      for (i++; i < s.length; i++) {
        const d = s.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
    } else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** A non-negative integer field between `from` and `to`, or undefined. */
function numberField(s: string, key: string, from: number, to: number): number | undefined {
  const at = s.indexOf(key, from);
  if (at < 0 || at >= to) return undefined;
  let i = at + key.length;
  let n = 0;
  const start = i;
  for (; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    n = n * 10 + c;
  }
  return i > start ? n : undefined;
}

/** A string field (without escapes) between `from` and `to`, or undefined. */
function stringField(s: string, key: string, from: number, to: number): string | undefined {
  const at = s.indexOf(key, from);
  if (at < 0 || at >= to) return undefined;
  const end = s.indexOf('"', at + key.length);
  if (end < 0 || end >= to) return undefined;
  const value = s.slice(at + key.length, end);
  return value.includes('\\') ? undefined : value;
}
