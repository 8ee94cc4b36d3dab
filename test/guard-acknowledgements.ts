import { GuardAcknowledgement } from './guard';

const PROVIDER = 'a custom resource provider function of aws-cdk-lib; it calls only AWS APIs (no network path into the VPC is needed), and aws-cdk-lib gives it no VPC settings';

/**
 * The AWS Control Tower findings a SecuredCluster keeps, each one rule on one
 * resource with the reason: functions and the state machine that aws-cdk-lib
 * generates for its custom resources.
 */
export const CONTROL_TOWER_ACKNOWLEDGEMENTS: readonly GuardAcknowledgement[] = [
  { rule: 'lambda_inside_vpc_check', template: /^[A-Za-z0-9]+\.template\.json$/, logicalId: /^CustomVpcRestrictDefaultSGCustomResourceProviderHandler[0-9A-F]{8}$/, reason: `The handler that removes the rules of the VPC's default security group: ${PROVIDER}` },
  { rule: 'lambda_inside_vpc_check', template: /^[A-Za-z0-9]+\.template\.json$/, logicalId: /^AWSCDKCfnUtilsProviderCustomResourceProviderHandler[0-9A-F]{8}$/, reason: `aws-cdk-lib's CfnJson handler, which renders the IRSA trust conditions: ${PROVIDER}` },
  { rule: 'lambda_inside_vpc_check', template: /KubectlProvider[0-9A-F]{8}\.nested\.template\.json$/, logicalId: /^Handler[0-9A-F]{8}$/, reason: 'A misfire: the kubectl handler IS in the VPC (it must reach the private API endpoint); its SubnetIds are Refs to the nested stack\'s parameters, which the rule does not accept as subnets' },
  { rule: 'lambda_inside_vpc_check', template: /KubectlProvider[0-9A-F]{8}\.nested\.template\.json$/, logicalId: /^ProviderframeworkonEvent[0-9A-F]{8}$/, reason: 'A misfire as for the handler: the provider framework function runs in the same VPC subnets, given as nested-stack parameters' },
  { rule: 'lambda_inside_vpc_check', template: /ClusterResourceProvider[0-9A-F]{8}\.nested\.template\.json$/, logicalId: /^(OnEventHandler|IsCompleteHandler|Providerframework(onEvent|isComplete|onTimeout))[0-9A-F]{8}$/, reason: `The functions that create the EKS cluster itself (before any VPC endpoint of it exists): ${PROVIDER}` },
  ...['step_functions_state_machine_logging_enabled_check', 'step_functions_state_machine_tracing_enabled_check'].map((rule) => ({
    rule, template: /ClusterResourceProvider[0-9A-F]{8}\.nested\.template\.json$/, logicalId: /^Providerwaiterstatemachine[0-9A-F]{8}$/,
    reason: 'aws-cdk-lib\'s waiter state machine, which only polls cluster creation; its steps are logged by the provider functions, and aws-cdk-lib exposes no logging or tracing settings for it',
  })),
];
