// The verification layer: reads manifests of every dialect and answers which
// workload may reach which, and why. Nothing here loads aws-cdk-lib.
export * from './analysis';
export * from './load';
export * from './model';
export { PortSet, PROTOCOLS, type AnalyzedProtocol } from './port-set';
export { compileCalicoSelector, compileLabelSelector } from './selectors';
export { Connectivity } from './testing';
export { explain, findEndpoint, parsePortSpec, type Explanation } from './explain';
export { diffAnalyses, formatDiff, type ConnectionChange } from './diff';
export { lint, toSarif, LINT_RULES, type Finding, type LintRule, type LintOptions, type Severity } from './lint/rules';
export { formatText, formatCsv, formatGraph, formatExposure, writeText, writeCsv, writeGraph, type Write } from './format';
export { exposure, type Exposure } from './exposure';
export { PodAddresses } from './pod-addresses';
export { type Representative } from './representatives';
export { htmlReport, type HtmlReportOptions } from './report';
