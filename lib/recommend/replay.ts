/**
 * Replay: the question before every change, "which traffic we saw would this
 * policy set deny?". Observed flows that got through are judged against a
 * policy set with the analyzer; those it would deny are grouped by
 * connection and by the policy that decides them.
 */
import { Analysis, SideVerdict } from '../analysis/analysis';
import { InputProblem, LoadResult, SourcedObject } from '../analysis/load';
import { Endpoint } from '../analysis/model';
import { WORKLOAD_KINDS } from '../analysis/inventory';
import { PortSet } from '../analysis/port-set';
import { resolvePorts } from '../analysis/policies/common';
import { explain } from '../analysis/explain';
import { AggregateEnd, FlowAggregator, Observation } from './aggregate';
import { ObservedFlow } from './flow';
import { detectFormat, FlowFileReport, flowLineReader, readFlowFile, ReadFlowsOptions } from './read-flows';
import { endpointOf, standInWorkloads } from './verify';
import { appendTo } from '../core/collections';

/** Options of a replay. */
export interface ReplayOptions extends ReadFlowsOptions {
  /**
   * Evaluate staged policies (Calico) as if enforced: the change under review.
   * @default true
   */
  readonly stagedAsEnforced?: boolean;
  /**
   * Where pods get addresses (see AnalysisOptions.podCidrs).
   * @default unknown
   */
  readonly podCidrs?: readonly string[];
}

/** An observed connection the policy set would deny. */
export interface DeniedConnection {
  readonly src: string;
  readonly dst: string;
  readonly protocol: string;
  readonly port: number;
  /** How many flows used it. */
  readonly flows: number;
  /** Which side denies it and why: the rule, or the policies that isolate it without a rule that allows it. */
  readonly reason: string;
  /** The policies that decide it (display names). */
  readonly policies: readonly string[];
}

/** What a replay found. */
export interface ReplayResult {
  /** Per flow file: lines, flows, skipped, malformed. */
  readonly files: readonly FlowFileReport[];
  /** Flows that got through when observed (the ones replayed). */
  readonly flows: number;
  /** Their distinct (source, destination, protocol, port). */
  readonly connections: number;
  /** Connections not judged: to the API server, or to addresses by a DNS name a rule allows (the engine resolves both). */
  readonly unverifiable: number;
  /** Flows left out because an end cannot be identified, by reason. */
  readonly unidentified: { readonly [reason: string]: number };
  /** The connections the policy set would deny, most used first. */
  readonly denied: readonly DeniedConnection[];
  /** Denied connections and flows per deciding policy, most flows first. */
  readonly byPolicy: readonly { readonly policy: string; readonly connections: number; readonly flows: number }[];
  /** Problems in the policy files. */
  readonly problems: readonly InputProblem[];
}

/**
 * Replays flow files against a policy set (and optional workloads). Flows
 * are folded into distinct connections as they are read, so memory grows
 * with the connections, not the flows. Workloads that the given workload
 * manifests do not hold are stood in for by their observed labels (every
 * stable label, so policies that select on any of them apply).
 */
export function replayFlows(flowFiles: readonly string[], policies: LoadResult, options: ReplayOptions = {}): ReplayResult {
  const { files, aggregator } = observeFlows(flowFiles, options);
  return judge(files, aggregator, policies, options);
}

/**
 * Reads flow files into distinct connections for judging a given policy
 * set: workloads keep every stable label, not only the identity keys, since
 * the policies may select on any.
 */
export function observeFlows(flowFiles: readonly string[], options: ReadFlowsOptions = {}): { files: FlowFileReport[]; aggregator: FlowAggregator } {
  const aggregator = new FlowAggregator();
  const read = { ...options, identityKeys: options.identityKeys ?? [] };
  const files = flowFiles.map((f) => readFlowFile(f, (flow: ObservedFlow) => aggregator.add(flow), read));
  return { files, aggregator };
}

/** Where the stand-ins for observed workloads come from, as a source label. */
const STAND_IN_FILE = '<observed workloads>';

/**
 * The policy set with the observed workloads: each observed workload is the
 * given workload of its namespace whose pods carry its labels (its container
 * ports resolve named ports), else a stand-in with its observed labels.
 */
export function observedAnalysis(observations: readonly Observation[], policies: LoadResult, options: ReplayOptions): { analysis: Analysis; endpoint: (end: AggregateEnd) => Endpoint | undefined } {
  const { workloads, ids } = standInWorkloads(observations);
  // A stand-in never takes the id of a given workload (it would replace it).
  const givenIds = new Set(policies.objects.filter((o) => WORKLOAD_KINDS[o.object.kind] !== undefined).map((o) => `${o.object.metadata.namespace ?? 'default'}/${o.object.metadata.name}`));
  const renamed = new Map<string, string>();
  for (const w of workloads) {
    const id = `${w.metadata.namespace}/${w.metadata.name}`;
    if (!givenIds.has(id)) continue;
    w.metadata = { ...w.metadata, name: `${w.metadata.name}-observed` };
    renamed.set(id, `${w.metadata.namespace}/${w.metadata.name}`);
  }
  for (const [key, id] of ids) if (renamed.has(id)) ids.set(key, renamed.get(id)!);
  const given = new Set(policies.objects.filter((o) => o.object.kind === 'Namespace').map((o) => o.object.metadata.name));
  const standIns: SourcedObject[] = workloads.map((w, index) => ({ object: w, file: STAND_IN_FILE, index }));
  // Namespaces the flows show but the input does not: bare, as a cluster would have them.
  const namespaces = [...new Set(workloads.map((w) => w.metadata.namespace!))].filter((n) => !given.has(n))
    .map((name, index): SourcedObject => ({ object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, file: '<observed namespaces>', index }));
  const analysis = Analysis.of({ objects: [...policies.objects, ...namespaces, ...standIns], problems: [...policies.problems] }, { stagedAsEnforced: options.stagedAsEnforced ?? true, podCidrs: options.podCidrs });
  const givenByNs = new Map<string, Endpoint[]>();
  for (const w of analysis.workloads) if (w.source?.file !== STAND_IN_FILE) appendTo(givenByNs, w.namespace ?? '', w);
  const endpoint = (end: AggregateEnd): Endpoint | undefined => {
    if (end.kind === 'workload') {
      const match = (givenByNs.get(end.namespace) ?? []).find((w) => Object.entries(end.labels).every(([k, v]) => w.labels[k] === v));
      if (match) return match;
    }
    return endpointOf(analysis, ids, end);
  };
  return { analysis, endpoint };
}

/**
 * Explains one observed flow (a Hubble or Goldmane JSON line, or a CSV row)
 * against a policy set: the engine logs say "dropped", this says by which
 * rule. Throws when the line is not a flow.
 */
export function explainFlowLine(line: string, policies: LoadResult, options: ReplayOptions = {}): { allowed: boolean; text: string } {
  const format = options.format ?? detectFormat(line);
  const reader = flowLineReader(format, []);
  const r = reader.read(line.trim());
  const flows = 'flow' in r ? [r.flow] : 'flows' in r ? r.flows : [];
  if (flows.length === 0) throw new Error(`the line is not a flow to explain: ${'skip' in r ? `skipped (${r.skip})` : 'error' in r ? r.error : 'no flow'}`);
  const aggregator = new FlowAggregator();
  for (const f of flows) aggregator.add({ ...f, allowed: true });
  const observations = aggregator.observations();
  if (observations.length === 0) throw new Error(`the flow's ends cannot be identified: ${Object.keys(aggregator.unidentified).join('; ')}`);
  const { analysis, endpoint } = observedAnalysis(observations, policies, options);
  const o = observations[0];
  const src = endpoint(o.src);
  const dst = endpoint(o.dst);
  if (!src || !dst) throw new Error('the flow goes to the API server, which only the engine resolves');
  const observed = flows[0].allowed ? 'got through' : 'was dropped';
  const e = explain(analysis, src, dst, o.port, o.protocol);
  return { allowed: e.allowed, text: `observed: ${src.id} -> ${dst.id} ${o.port}/${o.protocol} ${observed}\n${e.text}` };
}

function judge(files: readonly FlowFileReport[], aggregator: FlowAggregator, policies: LoadResult, options: ReplayOptions): ReplayResult {
  const observations = aggregator.observations();
  const { analysis, endpoint } = observedAnalysis(observations, policies, options);
  const denied: DeniedConnection[] = [];
  let unverifiable = 0;
  for (const o of observations) {
    const src = endpoint(o.src);
    const dst = endpoint(o.dst);
    if (!src || !dst) { unverifiable++; continue; }
    if (analysis.allowedPorts(src, dst).has(o.protocol, o.port)) continue;
    const v = analysis.verdict(src, dst);
    const probe = PortSet.range(o.protocol, o.port, o.port);
    // Egress allowed by DNS name (toFQDNs, domainNames) is the engine's to resolve:
    // a flow to an address looked up by an allowed name got through that way.
    if (o.names.length > 0 && !v.ingress.allowed.intersect(probe).isEmpty && allowsByName(analysis, src, o.names, probe)) { unverifiable++; continue; }
    const side = v.egress.allowed.intersect(probe).isEmpty ? { name: `egress of ${src.id}`, verdict: v.egress, subject: src } : { name: `ingress of ${dst.id}`, verdict: v.ingress, subject: dst };
    const why = reasonOf(side.verdict, probe, analysis.policiesFor(side.subject, side.name.startsWith('egress') ? 'egress' : 'ingress').map((p) => p.display));
    denied.push({ src: endText(o.src, src), dst: endText(o.dst, dst), protocol: o.protocol, port: o.port, flows: o.count, reason: `${side.name}: ${why.text}`, policies: why.policies });
  }
  denied.sort((a, b) => b.flows - a.flows || (a.src < b.src ? -1 : a.src > b.src ? 1 : 0) || (a.dst < b.dst ? -1 : a.dst > b.dst ? 1 : 0) || a.port - b.port);
  const perPolicy = new Map<string, { connections: number; flows: number }>();
  for (const d of denied) {
    for (const p of d.policies) {
      const e = perPolicy.get(p) ?? { connections: 0, flows: 0 };
      e.connections++;
      e.flows += d.flows;
      perPolicy.set(p, e);
    }
  }
  return {
    files,
    flows: aggregator.allowedFlows,
    connections: observations.length,
    unverifiable,
    unidentified: aggregator.unidentified,
    denied,
    byPolicy: [...perPolicy].map(([policy, e]) => ({ policy, ...e })).sort((a, b) => b.flows - a.flows || (a.policy < b.policy ? -1 : 1)),
    problems: analysis.problems,
  };
}

/** An observed end as text: a workload's id, an address block's CIDR (not the analyzer's merged blocks). */
export function endText(end: AggregateEnd, e: Endpoint): string {
  return end.kind === 'workload' ? e.id : end.kind === 'block' ? end.cidr : end.kind;
}

/**
 * Whether `src`'s egress policies allow the probe to one of `names` by DNS
 * name: a name rule's name, or a `*.` pattern it ends with.
 */
function allowsByName(analysis: Analysis, src: Endpoint, names: readonly string[], probe: PortSet): boolean {
  return analysis.policiesFor(src, 'egress').some((p) => (p.egress ?? []).some((r) => r.action === 'Allow' && r.peer.domains !== undefined
    && !resolvePorts(r.ports, undefined).intersect(probe).isEmpty
    && r.peer.domains.some((d) => names.some((n) => n === d || (d.startsWith('*.') && n.endsWith(d.slice(1)))))));
}

/** Why a side denies the probe: the Deny rule that takes it, or the isolating policies with no rule that allows it. */
function reasonOf(verdict: SideVerdict, probe: PortSet, selecting: readonly string[]): { text: string; policies: string[] } {
  // A tier's own default is not a rule: then the isolating policies are the reason.
  const decisive = verdict.steps.filter((s) => !s.ports.intersect(probe).isEmpty && s.action !== 'Log' && s.action !== 'Allow' && !s.policy.startsWith('(end of tier'));
  const deny = decisive.find((s) => s.action === 'Deny');
  if (deny) return { text: `denied by ${deny.policy} ${deny.rule}${deny.tier !== 'default' ? ` (tier ${deny.tier})` : ''}`, policies: [deny.policy] };
  return { text: `isolated by ${selecting.join(', ')}; no rule allows it`, policies: [...selecting] };
}

/** The replay as review text. */
export function replayText(r: ReplayResult, policiesLabel: string): string {
  const lines = [`replayed ${r.flows} flow(s) in ${r.connections} distinct connection(s) against ${policiesLabel}: ${r.denied.length} connection(s), ${r.denied.reduce((n, d) => n + d.flows, 0)} flow(s) would be denied${r.unverifiable ? ` (${r.unverifiable} not judged: to the API server or by DNS name, which the engine resolves)` : ''}`];
  for (const [reason, n] of Object.entries(r.unidentified)) lines.push(`skipped ${n} flow(s): ${reason}`);
  for (const d of r.denied) lines.push(`DENIED ${d.src} -> ${d.dst} ${d.port}/${d.protocol} (${d.flows} flow(s)): ${d.reason}`);
  if (r.byPolicy.length > 0) {
    lines.push('by policy:');
    for (const p of r.byPolicy) lines.push(`  ${p.policy}: ${p.connections} connection(s), ${p.flows} flow(s)`);
  }
  return `${lines.join('\n')}\n`;
}
