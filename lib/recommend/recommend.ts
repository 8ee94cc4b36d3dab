import { App } from 'cdk8s';
import { chartObjects } from '../delivery/manifest-set';
import { toYaml, toYamlOnThread } from '../delivery/yaml';
import { KubeObject } from '../manifests/types';
import { AggregateOptions, FlowAggregator, Observation } from './aggregate';
import { ObservedFlow } from './flow';
import { buildPlan, PlanOptions, RecommendationPlan, RecommendEngine, RecommendMode } from './plan';
import { FlowFileReport, readFlowFile, ReadFlowsOptions } from './read-flows';
import { aggregateFlowFiles } from './read-parallel';
import { hasStagedKinds, planChart } from './render';
import { planToTypeScript } from './typescript';
import { verifyRecommendation, Verification } from './verify';

/** Options of a recommendation. */
export interface RecommendOptions extends PlanOptions, AggregateOptions, ReadFlowsOptions {
  /**
   * Staged (observe first) or enforced.
   * @default RecommendMode.STAGED
   */
  readonly mode?: RecommendMode;
}

/** A recommendation: the plan, its manifests and source, and what was checked. */
export interface Recommendation {
  /** The policies as data. */
  readonly plan: RecommendationPlan;
  /** The rendered objects. */
  readonly manifests: KubeObject[];
  /** The manifests as multi-document YAML. */
  readonly yaml: string;
  /** TypeScript that builds the same manifests with this library's constructs. */
  readonly typescript: string;
  /** What was read, what was recommended, what the analyzer confirmed. */
  readonly report: RecommendationReport;
}

/** The recommender's report. */
export interface RecommendationReport {
  /** Per input file: lines, flows, skipped and malformed lines. */
  readonly files: readonly FlowFileReport[];
  /** Flows that got through. */
  readonly allowedFlows: number;
  /** Flows that were dropped (reported, not recommended). */
  readonly deniedFlows: number;
  /** Flows left out because an end cannot be a policy peer, by reason (see FlowAggregator.unidentified). */
  readonly unidentified: { readonly [reason: string]: number };
  /** Distinct (source, destination, protocol, port) of traffic that got through. */
  readonly observations: number;
  /** The namespaces policies were written for. */
  readonly namespaces: readonly string[];
  /** Policies written (default deny, DNS and one per workload, per namespace). */
  readonly policies: number;
  /** The analyzer's check. */
  readonly verification: Verification;
  /** What the user should know: what staged means for the engine, what could not be written. */
  readonly notes: readonly string[];
}

/** Reads flow files (streaming) and recommends policies. */
export function recommendFromFiles(files: readonly string[], options: RecommendOptions): Recommendation {
  const aggregator = new FlowAggregator(options);
  const reports = files.map((f) => readFlowFile(f, (flow) => aggregator.add(flow), options));
  return recommendFromAggregate(aggregator, options, reports);
}

/**
 * `recommendFromFiles`, reading large files on several threads at once
 * (`threads`; see `aggregateFlowFiles`): the same recommendation, sooner.
 */
export async function recommendFromFilesAsync(files: readonly string[], options: RecommendOptions): Promise<Recommendation> {
  const { draft, reports } = await readAndDraft(files, options);
  const yaml = toYamlOnThread(draft.manifests); // written on another thread while this one verifies
  const verification = verifyDraft(draft, options);
  return finish(draft, options, reports, verification, await yaml);
}

/** Reads the files and drafts the recommendation, keeping nothing of the aggregator (the most memory held). */
async function readAndDraft(files: readonly string[], options: RecommendOptions): Promise<{ draft: Draft; reports: FlowFileReport[] }> {
  const { aggregator, reports } = await aggregateFlowFiles(files, options);
  return { draft: draftOf(aggregator, options), reports };
}

/** Recommends policies for flows given in memory. */
export function recommendFromFlows(flows: Iterable<ObservedFlow>, options: RecommendOptions): Recommendation {
  const aggregator = new FlowAggregator(options);
  for (const f of flows) aggregator.add(f);
  return recommendFromAggregate(aggregator, options, []);
}

function recommendFromAggregate(aggregator: FlowAggregator, options: RecommendOptions, files: readonly FlowFileReport[]): Recommendation {
  const draft = draftOf(aggregator, options);
  return finish(draft, options, files, verifyDraft(draft, options), toYaml(draft.manifests));
}

/**
 * A recommendation before its check: the observations, the plan and its
 * rendered objects, and what the report needs of the aggregator.
 */
interface Draft {
  readonly observations: Observation[];
  readonly plan: RecommendationPlan;
  readonly manifests: KubeObject[];
  readonly namespaces: string[];
  readonly denied: Observation[];
  readonly allowedFlows: number;
  readonly deniedFlows: number;
  readonly unidentified: { readonly [reason: string]: number };
}

function draftOf(aggregator: FlowAggregator, options: RecommendOptions): Draft {
  const observations = aggregator.observations();
  const plan = buildPlan(observations, options);
  const manifests = chartObjects(planChart(new App(), 'recommended', plan, options.mode ?? RecommendMode.STAGED));
  return {
    observations, plan, manifests, namespaces: plan.namespaces.map((n) => n.name),
    denied: aggregator.deniedObservations(), allowedFlows: aggregator.allowedFlows, deniedFlows: aggregator.deniedFlows, unidentified: aggregator.unidentified,
  };
}

function verifyDraft(draft: Draft, options: RecommendOptions): Verification {
  return verifyRecommendation(draft.manifests, draft.observations, draft.namespaces, options.engine);
}

function finish(draft: Draft, options: RecommendOptions, files: readonly FlowFileReport[], verification: Verification, yaml: string): Recommendation {
  const { observations, plan, manifests, namespaces, denied } = draft;
  const mode = options.mode ?? RecommendMode.STAGED;
  const notes = [...modeNotes(options.engine, mode), ...plan.notes];
  if (denied.length > 0) notes.push(`${draft.deniedFlows} dropped flow(s) in ${denied.length} distinct connection(s) were not recommended; review them: ${denied.slice(0, 5).map(describeObservation).join('; ')}${denied.length > 5 ? '; ...' : ''}`);
  const summary = [
    `${draft.allowedFlows} flow(s) that got through, ${observations.length} distinct connection(s), ${namespaces.length} namespace(s).`,
    `Verified with the analyzer: ${verification.allowed} of ${verification.observed - verification.unverifiable} checkable connections allowed; ${verification.newPairs.length} new workload pair(s).`,
  ];
  return {
    plan,
    manifests,
    yaml,
    typescript: planToTypeScript(plan, mode, summary),
    report: {
      files,
      allowedFlows: draft.allowedFlows,
      deniedFlows: draft.deniedFlows,
      unidentified: draft.unidentified,
      observations: observations.length,
      namespaces,
      policies: manifests.filter((m) => /NetworkPolicy$/.test(m.kind)).length,
      verification,
      notes,
    },
  };
}

/** What "staged" means for the engine. */
function modeNotes(engine: RecommendEngine, mode: RecommendMode): string[] {
  if (mode !== RecommendMode.STAGED || hasStagedKinds(engine)) return [];
  if (engine === RecommendEngine.CILIUM) {
    return ['Cilium has no staged policy kinds: the policies are written enforceable. To observe them first, turn on policy audit mode (Helm value policyAuditMode: true, or per endpoint), watch for AUDIT verdicts in Hubble, then turn it off.'];
  }
  return ['Kubernetes NetworkPolicy has no staged form: the policies are written enforceable. To observe them first, use --engine calico (StagedNetworkPolicy), or apply them to a copy of the workloads.'];
}

function describeObservation(o: Observation): string {
  const end = (e: Observation['src']) => (e.kind === 'workload' ? `${e.namespace}/${e.name}` : e.kind === 'block' ? e.cidr : e.kind);
  return `${end(o.src)} -> ${end(o.dst)} ${o.port}/${o.protocol}`;
}
