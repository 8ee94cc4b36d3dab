import { parseCidr } from '../../core/cidr';
import { FlowEnd, identityLabels, LineResult } from '../flow';

/** The columns of the CSV flow format, in order. */
export const CSV_COLUMNS = ['src_ns', 'src_labels', 'dst_ns', 'dst_labels_or_cidr', 'protocol', 'port'] as const;

/**
 * Reads the simple CSV flow format for sources without a reader of their own:
 * `src_ns,src_labels,dst_ns,dst_labels_or_cidr,protocol,port`, a header line
 * optional. Labels are `key=value` pairs separated by `;` or `|` (or by
 * commas inside a quoted field). An end with an empty namespace is an address
 * or CIDR, or `kube-apiserver`. Every row is traffic that got through.
 */
export class CsvReader {
  constructor(private readonly identityKeys?: readonly string[]) {}

  /** Reads one line. */
  public read(line: string): LineResult {
    const cells = splitCsv(line);
    if (cells === undefined) return { error: 'has an unterminated quoted field' };
    if (cells[0] === CSV_COLUMNS[0] && cells[1] === CSV_COLUMNS[1]) return { skip: 'header' };
    if (cells.length !== CSV_COLUMNS.length) return { error: `has ${cells.length} fields, not the ${CSV_COLUMNS.length} of ${CSV_COLUMNS.join(',')}` };
    const [srcNs, srcLabels, dstNs, dstLabels, protoText, portText] = cells;
    const protocol = protoText.toUpperCase();
    if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') return { error: `protocol ${JSON.stringify(protoText)} is not TCP, UDP or SCTP` };
    const port = /^[0-9]+$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) return { error: `port ${JSON.stringify(portText)} is not a port 1-65535` };
    const src = this.end(srcNs, srcLabels, 'src');
    if ('error' in src) return src;
    const dst = this.end(dstNs, dstLabels, 'dst');
    if ('error' in dst) return dst;
    return { flow: { src: src.end, dst: dst.end, protocol, port, allowed: true } };
  }

  private end(namespace: string, value: string, side: string): { end: FlowEnd } | { error: string } {
    if (namespace === '') {
      if (value === 'kube-apiserver') return { end: { kind: 'api-server' } };
      const text = value.includes('/') ? value : `${value}/${value.includes(':') ? 128 : 32}`;
      const parsed = parseCidr(text);
      if (!parsed.cidr) return { error: `${side} ${JSON.stringify(value)} has no namespace and is not an address or CIDR (${parsed.error}${parsed.suggestion ? `; did you mean ${parsed.suggestion}?` : ''})` };
      return { end: { kind: 'address', ip: value.includes('/') ? parsed.cidr.text : value } };
    }
    const labels: { [key: string]: string } = {};
    for (const pair of value.split(/[;|,]/).map((p) => p.trim()).filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq <= 0) return { error: `${side}_labels ${JSON.stringify(value)}: ${JSON.stringify(pair)} is not key=value` };
      labels[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    if (Object.keys(labels).length === 0) return { error: `${side}_labels is empty: name the workload by its labels` };
    const stable = identityLabels(labels, this.identityKeys);
    return { end: { kind: 'workload', namespace, labels: stable, name: Object.values(stable).join('-') } };
  }
}

/** Splits one CSV line (RFC 4180 quoting); undefined when a quote is not closed. */
function splitCsv(line: string): string[] | undefined {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { out.push(cur.trim()); cur = ''; } else cur += c;
  }
  if (quoted) return undefined;
  out.push(cur.trim());
  return out;
}
