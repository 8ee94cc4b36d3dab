import { isPlainObject } from '../../core/merge';
import { FlowEnd, FlowProtocol, identityLabels, LineResult, ObservedFlow, workloadNameFromPod } from '../flow';

/**
 * Reads Calico flow logs as Goldmane and Whisker serve them, one JSON object
 * per line: Goldmane `Flow` or `FlowResult` messages (field names as in the
 * proto or in camelCase), Whisker's `/flows` items (labels joined with
 * `" | "`), a whole `{"items": [...]}` page, or server-sent `data:` lines.
 *
 * Calico aggregates pods by their generated name and reports addresses
 * outside the cluster only as public (`pub`) or private (`pvt`) networks.
 */
export class GoldmaneReader {
  constructor(private readonly identityKeys?: readonly string[]) {}

  /** Reads one line. */
  public read(line: string): LineResult {
    const text = line.startsWith('data:') ? line.slice(5).trim() : line;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      return { error: `is not JSON: ${(e as Error).message}` };
    }
    if (!isPlainObject(parsed)) return { error: 'is not a JSON object' };
    const page = parsed.items ?? parsed.flows;
    if (Array.isArray(page)) {
      const flows: ObservedFlow[] = [];
      for (const [i, item] of page.entries()) {
        const r = this.flow(item);
        if ('error' in r) return { error: `item ${i} ${r.error}` };
        if ('flow' in r) flows.push(r.flow);
      }
      return { flows };
    }
    return this.flow(parsed);
  }

  private flow(raw: unknown): LineResult {
    if (!isPlainObject(raw)) return { error: 'is not a JSON object' };
    const flow = isPlainObject(raw.flow) ? raw.flow : raw;
    const key = isPlainObject(flow.Key) ? flow.Key : isPlainObject(flow.key) ? flow.key : flow;
    const field = (snake: string): unknown => key[snake] ?? key[camel(snake)] ?? flow[snake] ?? flow[camel(snake)];
    const protoText = String(field('proto') ?? field('protocol') ?? '').toUpperCase();
    const protocol = PROTOCOL_NUMBERS[protoText] ?? protoText;
    if (protocol === '') return { error: 'has no proto (or protocol)' };
    if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') return { skip: `protocol ${protocol}` };
    const port = Number(field('dest_port'));
    if (!Number.isInteger(port) || port < 1 || port > 65535) return { error: `dest_port is ${JSON.stringify(field('dest_port'))}, not a port 1-65535` };
    const action = enumName(field('action'), ACTIONS);
    if (action === undefined) return { error: `action is ${JSON.stringify(field('action'))}, not Allow, Deny or Pass` };
    const src = this.endpoint('source', field, flow);
    const dst = this.endpoint('dest', field, flow);
    if ('skip' in src) return src;
    if ('skip' in dst) return dst;
    // Pass at the end of every tier falls to the profile, which allows.
    return { flow: { src: src.end, dst: dst.end, protocol: protocol as FlowProtocol, port, allowed: action !== 'Deny' } };
  }

  private endpoint(side: 'source' | 'dest', field: (snake: string) => unknown, flow: { [key: string]: unknown }): { end: FlowEnd } | { skip: string } {
    const name = String(field(`${side}_name`) ?? '');
    const namespace = String(field(`${side}_namespace`) ?? '');
    // Whisker's items carry no endpoint type: networks are the ones named pub or pvt, without a namespace.
    const untyped = (namespace === '' || namespace === '-') && (name === 'pub' || name === 'pvt') ? 'Network' : 'WorkloadEndpoint';
    const type = enumName(field(`${side}_type`), ENDPOINT_TYPES) ?? untyped;
    switch (type) {
      case 'Network':
        return { end: { kind: name === 'pvt' ? 'private' : 'public' } };
      case 'NetworkSet':
        return { skip: `NetworkSet ${name} (name it in a policy by hand)` };
      case 'HostEndpoint':
        return { skip: 'host traffic' };
      default: {
        if (namespace === '' || namespace === '-') return { skip: `${side} ${name} has no namespace` };
        const labels = parseLabels(flow[`${side}_labels`] ?? flow[camel(`${side}_labels`)]);
        return { end: { kind: 'workload', namespace, labels: identityLabels(labels, this.identityKeys), name: workloadNameFromPod(name) || 'workload' } };
      }
    }
  }
}

const PROTOCOL_NUMBERS: { [key: string]: string } = { 6: 'TCP', 17: 'UDP', 132: 'SCTP', 1: 'ICMP', 58: 'ICMPV6' };
const ACTIONS = ['ActionUnspecified', 'Allow', 'Deny', 'Pass'];
const ENDPOINT_TYPES = ['EndpointTypeUnspecified', 'WorkloadEndpoint', 'HostEndpoint', 'NetworkSet', 'Network'];

/** A proto enum given by name (any case) or number. */
function enumName(value: unknown, names: readonly string[]): string | undefined {
  if (typeof value === 'number') return names[value];
  if (typeof value !== 'string') return undefined;
  return names.find((n) => n.toLowerCase() === value.toLowerCase());
}

/** Labels as a list of `k=v`, Whisker's `"k=v | k2=v2"`, or an object. */
function parseLabels(value: unknown): { [key: string]: string } {
  const out: { [key: string]: string } = {};
  if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) out[k] = String(v);
    return out;
  }
  const items = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split('|') : [];
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq > 0) out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return out;
}

function camel(snake: string): string {
  return snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
