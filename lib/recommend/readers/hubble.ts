import { isPlainObject } from '../../core/merge';
import { FlowEnd, FlowProtocol, identityLabels, jobOwnerName, LineResult, workloadNameFromPod } from '../flow';

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
  /** Per key: where the last search started and what it found in the current text. */
  private readonly scan = { text: undefined as string | undefined, from: new Int32Array(KEYS.length).fill(-1), at: new Int32Array(KEYS.length).fill(-1) };

  constructor(private readonly identityKeys?: readonly string[]) {}

  /** Reads one line. */
  public read(line: string): LineResult {
    return this.readRange(line, 0, line.length);
  }

  /**
   * Reads the line `text[start, end)`: the file reader hands over whole
   * decoded chunks, so lines are sliced only when they need the full parse.
   */
  public readRange(text: string, start: number, end: number): LineResult {
    if (text !== this.scan.text) { this.newChunk(); this.scan.text = text; }
    return this.fast(text, start, end) ?? this.slow(text.slice(start, end));
  }

  /** Forgets where keys were found: the text changed. */
  public newChunk(): void {
    this.scan.text = undefined;
    this.scan.from.fill(-1);
    this.scan.at.fill(-1);
  }

  /**
   * Where key `k` (its opening quote included) is in [start, end), or -1.
   * It searches for a rare part of the key and checks the rest: searching
   * for a string that starts with a frequent character (`"`, `i`) is slow,
   * as the search stops at every one. It remembers where each key was found,
   * so a key absent from many lines is searched for once per occurrence.
   */
  private find(text: string, k: number, start: number, end: number): number {
    const scan = this.scan;
    let at = scan.at[k];
    if (scan.from[k] < 0 || scan.from[k] > start || at < start) {
      const key = KEYS[k];
      const anchor = ANCHORS[k];
      const back = key.length - anchor.length;
      at = start + back;
      for (;;) {
        at = text.indexOf(anchor, at);
        if (at < 0) break;
        if (text.startsWith(key, at - back)) { at -= back; break; }
        at++;
      }
      scan.from[k] = start;
      scan.at[k] = at = at < 0 ? text.length + 1 : at;
    }
    return at < end ? at : -1;
  }

  /**
   * Where key `k` is in [start, end), looking first after `hint` (where it
   * usually is), then in the whole line.
   */
  private findAfter(text: string, k: number, hint: number, start: number, end: number): number {
    if (hint > start) {
      const key = KEYS[k];
      const anchor = ANCHORS[k];
      const back = key.length - anchor.length;
      let at = hint + back;
      for (;;) {
        at = text.indexOf(anchor, at);
        if (at < 0 || at >= end) break;
        if (text.startsWith(key, at - back)) return at - back;
        at++;
      }
    }
    return this.find(text, k, start, end);
  }

  /**
   * The field scan; undefined when the line needs a full parse. Works in any
   * key order; strings with escapes and nested surprises go to the full parse.
   */
  private fast(text: string, start: number, end: number): LineResult | undefined {
    // Each key is looked for first where Hubble prints it, after the previous one.
    const verdictAt = this.find(text, K_VERDICT, start, end);
    const l4At = this.findAfter(text, K_L4, verdictAt, start, end);
    const srcAt = this.findAfter(text, K_SOURCE, l4At, start, end);
    const dstAt = this.findAfter(text, K_DESTINATION, srcAt, start, end);
    if (verdictAt < 0 || l4At < 0 || srcAt < 0 || dstAt < 0) return undefined;
    const srcId = directNumber(text, srcAt + 9, 'identity":', end);
    const dstId = directNumber(text, dstAt + 14, 'identity":', end);
    if (srcId === undefined || dstId === undefined) return undefined;
    const typeAt = this.findAfter(text, K_TYPE, dstAt, start, end);
    if (typeAt >= 0 && !text.startsWith('L3_L4"', typeAt + 8)) {
      const type = stringAt(text, typeAt + 8, end);
      return type === undefined ? undefined : { skip: `Type ${type}` };
    }
    const replyAt = this.findAfter(text, K_IS_REPLY, typeAt, start, end);
    // Only a whole line is read by the scan: after is_reply (which Hubble prints
    // after the flow's nested objects) the line must close the flow object, and
    // the wrapper around it, and nothing else. A line cut short (a truncated
    // export) goes to JSON.parse, which calls it malformed.
    if (replyAt < 0 || !closesAfter(text, replyAt, end, text.startsWith('{"flow":', start) ? 2 : 1)) return undefined;
    const replyChar = text.charCodeAt(replyAt + 11);
    if (replyAt >= 0 && replyChar !== 116 && replyChar !== 102) return undefined; // neither true nor false: let JSON.parse read it
    if (replyChar === 116 /* t */) return { skip: 'reply' };
    let allowed: boolean | undefined = true;
    if (!text.startsWith('FORWARDED"', verdictAt + 11)) {
      const verdict = stringAt(text, verdictAt + 11, end);
      if (verdict === undefined) return undefined;
      allowed = verdictAllows(verdict);
      if (allowed === undefined) return { skip: `verdict ${verdict}` };
    }
    const proto: FlowProtocol | undefined = text.startsWith('TCP"', l4At + 7) ? 'TCP' : text.startsWith('UDP"', l4At + 7) ? 'UDP' : text.startsWith('SCTP"', l4At + 7) ? 'SCTP' : undefined;
    if (proto === undefined) {
      const other = stringAt(text, l4At + 7, end);
      return other === undefined ? undefined : { skip: `protocol ${other}` };
    }
    const port = directNumber(text, l4At + 7 + proto.length + 2, 'destination_port":', end);
    if (port === undefined || port < 1 || port > 65535) return undefined;
    const src = this.knownEnd(srcId);
    const dst = this.knownEnd(dstId);
    if (src === undefined || dst === undefined) return undefined;
    if (src === SKIP || dst === SKIP) return { skip: 'host or node traffic' };
    if (src !== ADDRESS && src !== API_SERVER && dst !== ADDRESS && dst !== API_SERVER) return { flow: { src, dst, protocol: proto, port, allowed } };
    const ipAt = this.find(text, K_IP, start, end);
    const ipEnd = ipAt < 0 ? -1 : text.indexOf('}', ipAt);
    const resolve = (e: FlowEnd | typeof ADDRESS, side: 'source' | 'destination'): FlowEnd | undefined => {
      if (e !== ADDRESS && e !== API_SERVER) return e;
      const ip = ipAt < 0 || ipEnd < 0 ? undefined : stringField(text, `"${side}":"`, ipAt, ipEnd);
      if (e === API_SERVER) return ip ? { kind: 'api-server', ip } : API_SERVER;
      if (ip === undefined) return undefined;
      const namesAt = this.find(text, side === 'source' ? K_SOURCE_NAMES : K_DESTINATION_NAMES, start, end);
      if (namesAt < 0) return { kind: 'address', ip };
      const close = text.indexOf(']', namesAt);
      if (close < 0 || close >= end) return undefined;
      const names = JSON.parse(text.slice(text.indexOf('[', namesAt), close + 1)) as unknown;
      return Array.isArray(names) && names.length > 0 ? { kind: 'address', ip, names: names.map(String) } : { kind: 'address', ip };
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

  /** The full parse. */
  private slow(line: string): LineResult {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (e) {
      return { error: `is not JSON: ${(e as Error).message}` };
    }
    if (!isPlainObject(parsed)) return { error: 'is not a JSON object' };
    const flow = isPlainObject(parsed.flow) ? parsed.flow : parsed;
    if (!isPlainObject(flow.l4) && !isPlainObject(flow.IP) && flow.verdict === undefined) return { error: 'is not a Hubble flow (no verdict, IP or l4)' };
    if (flow.Type !== undefined && flow.Type !== 'L3_L4') return { skip: `Type ${String(flow.Type)}` };
    if (flow.is_reply === true || flow.reply === true) return { skip: 'reply' };
    if (typeof flow.verdict !== 'string') return { skip: 'no verdict' };
    const allowed = verdictAllows(flow.verdict);
    if (allowed === undefined) return { skip: `verdict ${flow.verdict}` };
    const l4 = isPlainObject(flow.l4) ? flow.l4 : {};
    const proto = Object.keys(l4)[0];
    if (proto === undefined) return { skip: 'no L4 header' };
    if (proto !== 'TCP' && proto !== 'UDP' && proto !== 'SCTP') return { skip: `protocol ${proto}` };
    const ports = isPlainObject(l4[proto]) ? l4[proto] as { [key: string]: unknown } : {};
    const port = ports.destination_port;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return { error: `l4.${proto}.destination_port is ${JSON.stringify(port)}, not a port 1-65535` };
    const ip = isPlainObject(flow.IP) ? flow.IP : {};
    const src = this.endpoint(flow.source, ip.source, flow.source_names);
    const dst = this.endpoint(flow.destination, ip.destination, flow.destination_names);
    if ('error' in src) return src;
    if ('error' in dst) return dst;
    if ('skip' in src) return src;
    if ('skip' in dst) return dst;
    return { flow: { src: src.end, dst: dst.end, protocol: proto as FlowProtocol, port, allowed } };
  }

  private endpoint(raw: unknown, ip: unknown, names: unknown): { end: FlowEnd } | { skip: string } | { error: string } {
    const ep = isPlainObject(raw) ? raw : {};
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
    const workloads = Array.isArray(ep.workloads) ? ep.workloads.filter(isPlainObject) : [];
    const owner = workloads.length > 0 && typeof workloads[0].name === 'string' ? workloads[0].name : undefined;
    const pod = typeof ep.pod_name === 'string' ? ep.pod_name : undefined;
    const stable = identityLabels(all, this.identityKeys);
    const name = owner ?? jobOwnerName(all) ?? (pod ? workloadNameFromPod(pod) : Object.values(stable).join('-') || 'workload');
    const end: FlowEnd = { kind: 'workload', namespace, labels: stable, name };
    if (identity !== undefined && identity >= FIRST_CLUSTER_IDENTITY && identity < FIRST_LOCAL_IDENTITY && !this.identities.has(identity)) this.identities.set(identity, end);
    return { end };
  }
}

/** The keys the field scan looks for. */
const KEYS = ['"verdict":"', '"l4":{"', '"source":{', '"destination":{', '"Type":"', '"is_reply":', '"IP":{', '"source_names":[', '"destination_names":['];
/** The part of each key searched for (a rare first character makes the search fast); the rest is checked. */
const ANCHORS = KEYS.map((k) => (k === '"is_reply":' ? 'y":' : k.slice(1)));
const [K_VERDICT, K_L4, K_SOURCE, K_DESTINATION, K_TYPE, K_IS_REPLY, K_IP, K_SOURCE_NAMES, K_DESTINATION_NAMES] = KEYS.map((_, i) => i);

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

/**
 * A non-negative integer that is a direct key of the object opening at
 * `open` (a `{`): found before any nested `{` or `}` (so it is not in a
 * nested object, nor past the object's end), written as JSON writes an
 * integer and followed by `,` or `}`. Undefined otherwise, and the line
 * takes the full parse. `key` is given without its opening quote.
 */
function directNumber(s: string, open: number, key: string, end: number): number | undefined {
  if (s.charCodeAt(open) !== 123) return undefined;
  const at = s.indexOf(key, open);
  if (at < 0 || at >= end || s.charCodeAt(at - 1) !== 34 || s.charCodeAt(at - 2) === 92) return undefined;
  const nestedOpen = s.indexOf('{', open + 1);
  const close = s.indexOf('}', open + 1);
  if ((nestedOpen >= 0 && nestedOpen < at) || close < at) return undefined;
  let i = at + key.length;
  let n = 0;
  const first = i;
  for (; i < close; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    n = n * 10 + c;
  }
  // A JSON number ends at `,` or `}` here (Hubble prints no spaces); a
  // fraction, exponent or leading zero goes to the full parse, which judges it.
  const next = s.charCodeAt(i);
  if (i === first || (next !== 44 && next !== 125) || (s.charCodeAt(first) === 48 && i > first + 1)) return undefined;
  return n;
}

/** The string value starting at `start` (just past its opening quote), ending before `end`, without escapes; or undefined. */
function stringAt(s: string, start: number, end: number): string | undefined {
  const close = s.indexOf('"', start);
  if (close < 0 || close >= end) return undefined;
  const value = s.slice(start, close);
  return value.includes('\\') ? undefined : value;
}

/** A string field (without escapes) between `from` and `to`, or undefined. */
function stringField(s: string, key: string, from: number, to: number): string | undefined {
  const at = s.indexOf(key, from);
  return at < 0 || at >= to ? undefined : stringAt(s, at + key.length, to);
}

/**
 * Whether the text from `at` to `end` closes exactly `depth` more objects
 * than it opens, ending with the last close (spaces aside): the tail of a
 * whole Hubble line after `is_reply` (`...,"interface":{...},"Summary":"..."},
 * "time":"..."}`). A brace inside a string there sends the line to the full
 * parse.
 */
function closesAfter(s: string, at: number, end: number, depth: number): boolean {
  let last = end - 1;
  while (last > at && (s.charCodeAt(last) === 32 || s.charCodeAt(last) === 9)) last--;
  if (s.charCodeAt(last) !== 125) return false;
  let balance = 0;
  for (let i = s.indexOf('}', at); i >= 0 && i <= last; i = s.indexOf('}', i + 1)) balance++;
  for (let i = s.indexOf('{', at); i >= 0 && i < last; i = s.indexOf('{', i + 1)) balance--;
  return balance === depth;
}
