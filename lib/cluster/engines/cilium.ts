import { Duration } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IDependable } from 'constructs';
import { deepMerge, JsonObject } from '../../core/merge';
import { CiliumMode, CiliumOptions } from '../policy-engine';
import { CILIUM_CHART, VPC_CNI_ADDON } from '../versions';

/** The node taint Cilium removes once its agent runs on the node. */
export const CILIUM_AGENT_NOT_READY_TAINT = {
  key: 'node.cilium.io/agent-not-ready',
  value: 'true',
  effect: 'NoExecute',
} as const;

/** The Helm values for Cilium in the given mode. */
export function ciliumValues(options: CiliumOptions): JsonObject {
  const mode = options.mode ?? CiliumMode.CHAINING;
  const ui = options.hubbleUi ?? false;
  const relay = ui || (options.hubbleRelay ?? false);
  const datapath: JsonObject = mode === CiliumMode.CHAINING
    ? {
      cni: { chainingMode: 'aws-cni', exclusive: false },
      enableIPv4Masquerade: false,
      routingMode: 'native',
      endpointRoutes: { enabled: true },
    }
    : {
      eni: { enabled: true },
      ipam: { mode: 'eni' },
      routingMode: 'native',
      serviceAccounts: { operator: { create: false, name: CILIUM_CHART.operatorServiceAccount } },
    };
  const computed = deepMerge(datapath, {
    hubble: { enabled: true, relay: { enabled: relay }, ui: { enabled: ui } },
    policyAuditMode: options.policyAuditMode ?? false,
  });
  return deepMerge(computed, options.values);
}

/**
 * The EC2 actions the Cilium operator needs to manage ENIs and IPs in ENI mode
 * (from Cilium's "ENI" IPAM documentation).
 */
export const CILIUM_OPERATOR_EC2_ACTIONS: readonly string[] = [
  'ec2:AssignPrivateIpAddresses',
  'ec2:AttachNetworkInterface',
  'ec2:CreateNetworkInterface',
  'ec2:CreateTags',
  'ec2:DeleteNetworkInterface',
  'ec2:DescribeInstanceTypes',
  'ec2:DescribeInstances',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSubnets',
  'ec2:DescribeTags',
  'ec2:DescribeVpcs',
  'ec2:DetachNetworkInterface',
  'ec2:ModifyNetworkInterfaceAttribute',
  'ec2:UnassignPrivateIpAddresses',
];

/** Installs Cilium; returns what policy manifests must wait for. */
export function installCilium(scope: Construct, cluster: eks.ICluster, chartVersion: string, options: CiliumOptions, after: IDependable[]): Construct[] {
  const mode = options.mode ?? CiliumMode.CHAINING;
  const chart = new eks.HelmChart(scope, 'Cilium', {
    cluster,
    chart: CILIUM_CHART.chart,
    repository: CILIUM_CHART.repository,
    version: chartVersion,
    namespace: CILIUM_CHART.namespace,
    release: CILIUM_CHART.release,
    createNamespace: false,
    // In ENI mode nodes only become Ready once Cilium runs, so the node group is
    // created after this release and Helm must not wait for pods to schedule.
    wait: mode !== CiliumMode.ENI,
    timeout: options.timeout ?? Duration.minutes(10),
    values: ciliumValues(options),
  });
  after.forEach((d) => chart.node.addDependency(d));
  if (mode === CiliumMode.ENI) {
    const operatorAccount = new eks.ServiceAccount(scope, 'CiliumOperatorServiceAccount', {
      cluster,
      name: CILIUM_CHART.operatorServiceAccount,
      namespace: CILIUM_CHART.namespace,
    });
    operatorAccount.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: [...CILIUM_OPERATOR_EC2_ACTIONS],
      // ENI management is not scoped by resource in EC2's IAM model for Describe* and
      // for interfaces created at run time; this matches Cilium's documented policy.
      resources: ['*'],
    }));
    chart.node.addDependency(operatorAccount);
    // Keep the VPC CNI off every node: Cilium's documented way is a node
    // selector no node carries.
    const disableAwsNode = new eks.KubernetesPatch(scope, 'DisableAwsNode', {
      cluster,
      resourceName: `daemonset/${VPC_CNI_ADDON.daemonSet}`,
      resourceNamespace: VPC_CNI_ADDON.namespace,
      applyPatch: { spec: { template: { spec: { nodeSelector: { 'io.cilium/aws-node-enabled': 'true' } } } } },
      restorePatch: { spec: { template: { spec: { nodeSelector: { 'io.cilium/aws-node-enabled': null } } } } },
    });
    after.forEach((d) => disableAwsNode.node.addDependency(d));
    chart.node.addDependency(disableAwsNode);
    return [chart, disableAwsNode];
  }
  return [chart];
}
