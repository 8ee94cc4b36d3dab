// The recommender: observed flows (Hubble, Calico Goldmane/Whisker, CSV) in,
// least-privilege policies out, staged by default and checked by the analyzer.
// Nothing here loads aws-cdk-lib.
export { DEFAULT_IDENTITY_KEYS, identityLabels, isStableKey, type FlowEnd, type FlowProtocol, type ObservedFlow, type ExternalKind, type LineResult } from './flow';
export { FlowFormat, readFlowFile, readFlowLines, detectFormat, type ByteRange, type FlowFileReport, type ReadFlowsOptions } from './read-flows';
export { aggregateFlowFiles, splitFile, MIN_BYTES_PER_THREAD } from './read-parallel';
export { HubbleReader } from './readers/hubble';
export { GoldmaneReader } from './readers/goldmane';
export { CsvReader, CSV_COLUMNS } from './readers/csv';
export { FlowAggregator, type AggregateOptions, type AggregateEnd, type AggregateState, type StateConnections, type Observation, transferables, CONNECTION_FIELDS, PROTOCOLS } from './aggregate';
export { buildPlan, RecommendEngine, RecommendMode, SYSTEM_NAMESPACES, type PlanOptions, type PlanPeer, type PlanPort, type PlanRule, type PlanWorkload, type PlanNamespace, type RecommendationPlan } from './plan';
export { addPlanToChart, planChart, targetOf } from './render';
export { planToTypeScript } from './typescript';
export { verifyRecommendation, type Verification } from './verify';
export { recommendFromFiles, recommendFromFilesAsync, recommendFromFlows, type RecommendOptions, type Recommendation, type RecommendationReport } from './recommend';
export { explainFlowLine, replayFlows, replayText, type ReplayOptions, type ReplayResult, type DeniedConnection } from './replay';
export { overPermissiveFromFiles, overPermissiveRules, type OverPermissiveOptions, type RuleUse } from './against';
