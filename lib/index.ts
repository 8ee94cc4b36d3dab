export * from './core/errors';
export * from './core/cidr';
export * from './core/names';
export * from './policy';
export * from './cluster/versions';
export * from './cluster/policy-engine';
export * from './cluster/policy-engine-installation';
export * from './cluster/iam-service-account';
export * from './cluster/secured-cluster';
export * from './cluster/template-limits';
export { vpcCniConfiguration, type VpcCniAddonSettings } from './cluster/engines/vpc-cni';
export { calicoValues } from './cluster/engines/calico';
export {
  ciliumValues, ciliumOperatorActions, CILIUM_AGENT_NOT_READY_TAINT, CILIUM_CHAINING_POOL_CANDIDATES, CILIUM_OPERATOR_EC2_ACTIONS, CILIUM_OPERATOR_OPTIONAL_EC2_ACTIONS,
  type CiliumValuesContext,
} from './cluster/engines/cilium';
export { ReadinessCheck } from './cluster/engines/readiness';
export { type KnownVpcCidrs } from './cluster/vpc-cidrs';
export * from './delivery';
// The analyzer and the recommender have entry points of their own,
// `eks-zero-trust/analysis` and `eks-zero-trust/recommend` (as aws-cdk-lib
// has `aws-cdk-lib/assertions`): an app that builds clusters and policies
// does not load them.
