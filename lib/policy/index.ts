// The policy layer: a pure intent model, renderers for three dialects, and
// cdk8s constructs. Nothing here loads aws-cdk-lib.
export * from './target';
export * from './selector';
export * from './port';
export * from './peer';
export * from './rule';
export * from './intent';
export * from './validate';
export * from './render';
export * from './constructs/policy-chart';
export * from './constructs/policies';
export * from './constructs/zero-trust-namespace';
export * from './constructs/policy-tier';
export * from './constructs/tier-access';
export { WARNING_METADATA, collectWarnings } from './constructs/emit';
export { markDelivered, deliveredBy } from './constructs/delivered';
export * from '../manifests/types';
export * from './network';
