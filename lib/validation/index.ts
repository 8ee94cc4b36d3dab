// Connectivity checks inside the CDK workflow (a policy-validation plugin).
// A separate entry point, as the analyzer is: an app that does not register
// the plugin does not load the analyzer.
export * from './connectivity-validation';
