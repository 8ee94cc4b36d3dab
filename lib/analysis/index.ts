// The verification layer: reads manifests of every dialect and answers which
// workload may reach which, and why. Nothing here loads aws-cdk-lib.
export * from './analysis';
export * from './load';
export * from './model';
export { PortSet, PROTOCOLS, type AnalyzedProtocol } from './port-set';
export { compileCalicoSelector, compileLabelSelector } from './selectors';
