import { Analysis, SideVerdict } from './analysis';
import { Endpoint } from './model';
import { AnalyzedProtocol, PortSet, PROTOCOLS } from './port-set';

/** A parsed `PORT/PROTO` such as `5432/TCP` (protocol defaults to TCP). */
export function parsePortSpec(text: string): { port: number; protocol: AnalyzedProtocol } {
  const m = /^([0-9]{1,5})(?:\/([A-Za-z]+))?$/.exec(text.trim());
  const protocol = (m?.[2] ?? 'TCP').toUpperCase();
  const port = m ? Number(m[1]) : NaN;
  if (!m || port < 1 || port > 65535 || !(PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new Error(`"${text}" is not PORT/PROTO, such as 5432/TCP or 53/UDP`);
  }
  return { port, protocol: protocol as AnalyzedProtocol };
}

/** Finds an endpoint by workload id (`ns/name`) or IP address. */
export function findEndpoint(analysis: Analysis, text: string): Endpoint {
  const w = analysis.workload(text);
  if (w) return w;
  const looksLikeAddress = /^[0-9.:a-fA-F]+(\/[0-9]+)?$/.test(text) && /[.:]/.test(text);
  if (looksLikeAddress) {
    const e = analysis.external(text);
    if (e) return e;
  }
  const near = analysis.workloads.filter((x) => x.id.endsWith(`/${text}`) || x.id.includes(text)).slice(0, 5).map((x) => x.id);
  throw new Error(`no workload "${text}" in the input${near.length ? `; did you mean ${near.join(', ')}?` : ' (workloads are namespace/name)'}`);
}

/** The verdict for one connection with the rules that decide it, as text. */
export interface Explanation {
  readonly allowed: boolean;
  /** Denied, but allowed when pod addresses fall inside a rule's blocks. */
  readonly possibly: boolean;
  readonly text: string;
}

/** Explains whether `src` may open `port`/`protocol` to `dst`, side by side. */
export function explain(analysis: Analysis, src: Endpoint, dst: Endpoint, port: number, protocol: AnalyzedProtocol): Explanation {
  const v = analysis.verdict(src, dst);
  const probe = PortSet.range(protocol, port, port);
  const egressOk = !v.egress.allowed.intersect(probe).isEmpty;
  const ingressOk = !v.ingress.allowed.intersect(probe).isEmpty;
  const allowed = egressOk && ingressOk;
  // A denied connection that a rule on address blocks may allow, depending on
  // the pods' addresses, is the third verdict.
  const possibly = !allowed && analysis.possible() !== analysis && explainIn(analysis.possible(), src, dst, probe);
  const lines = [
    `${src.id} -> ${dst.id} ${port}/${protocol}: ${allowed ? 'ALLOWED' : possibly ? 'POSSIBLY ALLOWED (depends on pod addresses)' : 'DENIED'}`,
    ...side(`egress of ${src.id}`, v.egress, probe, egressOk, !!src.external),
    ...side(`ingress of ${dst.id}`, v.ingress, probe, ingressOk, !!dst.external),
  ];
  const l7 = [...v.egress.steps, ...v.ingress.steps].filter((s) => s.action === 'Allow' && !s.ports.intersect(probe).isEmpty).flatMap((s) => s.l7);
  if (allowed && l7.length > 0) lines.push(`  L7 restriction on the allowed connection: ${l7.join('; ')}`);
  if (allowed) lines.push(`  all ports allowed on this path: ${v.allowed.toString()}`);
  if (possibly) lines.push(`  possibly allowed: ${analysis.podCidrs === undefined ? 'pod addresses are unknown (give --pod-cidr); ' : 'the pod ranges lie partly inside '}${analysis.podDependence.join('; ')}`);
  return { allowed, possibly, text: lines.join('\n') };
}

/** Whether the analysis allows `probe` from `src` to `dst` (found there by id or address). */
function explainIn(analysis: Analysis, src: Endpoint, dst: Endpoint, probe: PortSet): boolean {
  const find = (e: Endpoint) => (e.external ? analysis.externals[e.idx - (analysis.externals[0]?.idx ?? 0)] : analysis.workload(e.id));
  const s = find(src);
  const d = find(dst);
  return !!s && !!d && !analysis.verdict(s, d).allowed.intersect(probe).isEmpty;
}

function side(title: string, verdict: SideVerdict, probe: PortSet, ok: boolean, external: boolean): string[] {
  if (external) return [`  ${title}: outside the workloads, no policy applies`];
  if (!verdict.isolated) return [`  ${title}: ${ok ? 'allowed' : 'denied'}; no policy selects it in this direction, so it is not isolated`];
  const relevant = verdict.steps.filter((s) => !s.ports.intersect(probe).isEmpty);
  const lines = [`  ${title}: ${ok ? 'allowed' : 'denied'}`];
  if (relevant.length === 0) lines.push('    no rule matches; the selecting policies isolate it, so it is denied');
  for (const s of relevant) lines.push(`    ${s.action.padEnd(5)} by ${s.policy} ${s.rule} (tier ${s.tier})`);
  return lines;
}
