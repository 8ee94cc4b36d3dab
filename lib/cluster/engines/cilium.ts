import { Aws, Duration } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, IConstruct, IDependable } from 'constructs';
import { deepMerge, getPath, JsonObject } from '../../core/merge';
import { irsaPrincipal } from '../iam-service-account';
import { CiliumMode, CiliumOptions } from '../policy-engine';
import { CILIUM_CHART, CLUSTER_NETWORK_POLICY_CRD, CORE_ADDONS, VPC_CNI_ADDON } from '../versions';
import { ReadinessCheck } from './readiness';

/** The node taint Cilium removes once its agent runs on the node. */
export const CILIUM_AGENT_NOT_READY_TAINT = {
  key: 'node.cilium.io/agent-not-ready',
  value: 'true',
  effect: 'NoExecute',
} as const;

/**
 * The pools the chaining-mode `cilium_host` address is taken from, in order
 * of preference; the first that overlaps no VPC block is used. The chart's
 * default, 10.0.0.0/8, overlaps most EKS VPCs. Neither block is RFC 1918 or
 * a range AWS reserves, and the internet peer excludes 100.64.0.0/10.
 */
export const CILIUM_CHAINING_POOL_CANDIDATES: readonly string[] = ['100.127.0.0/16', '198.18.0.0/16'];

/**
 * The EC2 actions the Cilium operator needs in ENI mode, as Cilium's ENI IPAM
 * documentation lists them under "Required Privileges"
 * (https://docs.cilium.io/en/v1.19/network/concepts/ipam/eni/#required-privileges):
 * the base list, and `DescribeTags` because ENI garbage collection is on by
 * default. `DescribeRouteTables` is required since Cilium 1.18.
 */
export const CILIUM_OPERATOR_EC2_ACTIONS: readonly string[] = [
  'ec2:AssignPrivateIpAddresses',
  'ec2:AttachNetworkInterface',
  'ec2:CreateNetworkInterface',
  'ec2:CreateTags',
  'ec2:DeleteNetworkInterface',
  'ec2:DescribeInstanceTypes',
  'ec2:DescribeManagedPrefixLists',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeRouteTables',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeSubnets',
  'ec2:DescribeTags',
  'ec2:DescribeVpcs',
  'ec2:GetManagedPrefixListEntries',
  'ec2:ModifyNetworkInterfaceAttribute',
];

/** Actions the same page lists only for optional features, by the Helm value that turns them on. */
export const CILIUM_OPERATOR_OPTIONAL_EC2_ACTIONS = {
  /** `eni.awsReleaseExcessIPs: true`. */
  releaseExcessIps: ['ec2:UnassignPrivateIpAddresses'],
  /** `eni.instanceTagsFilter` set. */
  instanceTagsFilter: ['ec2:DescribeInstances'],
  /** `ipv6.enabled: true`. */
  ipv6: ['ec2:AssignIpv6Addresses'],
} as const;

/** What the Cilium values depend on besides the options. */
export interface CiliumValuesContext {
  /** The pool of chaining mode's `cilium_host` addresses. */
  readonly chainingPool?: string;
  /** The IRSA role ARN of the operator (ENI mode). */
  readonly operatorRoleArn?: string;
}

/** The Helm values for Cilium in the given mode. */
export function ciliumValues(options: CiliumOptions, context: CiliumValuesContext = {}): JsonObject {
  const mode = options.mode ?? CiliumMode.CHAINING;
  const ui = options.hubbleUi ?? false;
  const relay = ui || (options.hubbleRelay ?? false);
  const datapath: JsonObject = mode === CiliumMode.CHAINING
    ? {
      cni: { chainingMode: 'aws-cni', exclusive: false },
      enableIPv4Masquerade: false,
      routingMode: 'native',
      endpointRoutes: { enabled: true },
      // cilium_host takes one address per node from this pool; pods keep VPC addresses.
      ipam: { operator: { clusterPoolIPv4PodCIDRList: [context.chainingPool ?? CILIUM_CHAINING_POOL_CANDIDATES[0]], clusterPoolIPv4MaskSize: 28 } },
    }
    : {
      // The chart creates the operator's service account, ClusterRole and
      // ClusterRoleBinding only when it creates the service account
      // (cilium chart 1.19.4 templates/cilium-operator/clusterrole.yaml), and
      // annotates it with eni.iamRole for IRSA (serviceaccount.yaml).
      eni: { enabled: true, ...(context.operatorRoleArn ? { iamRole: context.operatorRoleArn } : {}) },
      ipam: { mode: 'eni' },
      routingMode: 'native',
      serviceAccounts: { operator: { create: true, name: CILIUM_CHART.operatorServiceAccount } },
    };
  const computed = deepMerge(datapath, {
    hubble: { enabled: true, relay: { enabled: relay }, ui: { enabled: ui } },
    policyAuditMode: options.policyAuditMode ?? false,
    ...(options.sctp ? { sctp: { enabled: true } } : {}),
    ...(options.clusterNetworkPolicy ? { k8sClusterNetworkPolicy: { enabled: true } } : {}),
  });
  return deepMerge(computed, options.values);
}

/** The operator's EC2 actions for these values: the required list and the optional ones turned on. */
export function ciliumOperatorActions(values: JsonObject): string[] {
  const actions = [...CILIUM_OPERATOR_EC2_ACTIONS];
  if (getPath(values, ['eni', 'awsReleaseExcessIPs']) === true) actions.push(...CILIUM_OPERATOR_OPTIONAL_EC2_ACTIONS.releaseExcessIps);
  const filter = getPath(values, ['eni', 'instanceTagsFilter']);
  if (Array.isArray(filter) && filter.length > 0) actions.push(...CILIUM_OPERATOR_OPTIONAL_EC2_ACTIONS.instanceTagsFilter);
  if (getPath(values, ['ipv6', 'enabled']) === true) actions.push(...CILIUM_OPERATOR_OPTIONAL_EC2_ACTIONS.ipv6);
  return actions.sort();
}

/**
 * The operator's EC2 permissions, scoped: Describe and Get calls take no
 * resource-level permissions (Resource "*"); every change is limited to
 * network interfaces, subnets and security groups of the cluster's VPC (the
 * `ec2:Vpc` condition key), `CreateTags` to network interfaces, and attaching
 * to instances of this account and region.
 */
export function ciliumOperatorStatements(actions: readonly string[], vpcArn: string): iam.PolicyStatement[] {
  const arn = (resource: string) => `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
  const read = actions.filter((a) => /^ec2:(Describe|Get)/.test(a));
  const change = actions.filter((a) => !read.includes(a));
  const inVpc = { ArnEquals: { 'ec2:Vpc': vpcArn } };
  const statements = [
    new iam.PolicyStatement({ sid: 'ReadNetwork', actions: read, resources: ['*'] }),
    new iam.PolicyStatement({
      sid: 'ManageInterfacesInClusterVpc',
      actions: change.filter((a) => a !== 'ec2:CreateTags'),
      resources: [arn('network-interface/*'), arn('subnet/*'), arn('security-group/*')],
      conditions: inVpc,
    }),
    new iam.PolicyStatement({ sid: 'TagInterfacesInClusterVpc', actions: ['ec2:CreateTags'], resources: [arn('network-interface/*')], conditions: inVpc }),
  ];
  if (change.includes('ec2:AttachNetworkInterface')) {
    // Instances carry no ec2:Vpc key; the interface half of the call is scoped above.
    statements.push(new iam.PolicyStatement({ sid: 'AttachToInstances', actions: ['ec2:AttachNetworkInterface'], resources: [arn('instance/*')] }));
  }
  return statements;
}

/** What installing Cilium created. */
export interface CiliumInstallation {
  /** The chart and what it needs; in ENI mode the node groups come after these. */
  readonly datapath: IConstruct[];
  /** Checks that the policy CRDs are established; everything that carries `cilium.io` objects waits for them. */
  readonly crdsReady: IConstruct[];
  /** In chaining mode, the CoreDNS restart after Cilium runs. */
  readonly coreDnsRestart?: eks.KubernetesPatch;
}

/** Where Cilium is installed. */
export interface CiliumTarget {
  /** The cluster. */
  readonly cluster: eks.ICluster;
  /** The chart version. */
  readonly chartVersion: string;
  /** The chaining pool, chosen disjoint from the VPC. */
  readonly chainingPool?: string;
  /** The VPC's ARN, which scopes the operator's EC2 permissions (ENI mode). */
  readonly vpcArn?: string;
}

/** Installs Cilium; returns the datapath and the readiness of its policy CRDs. */
export function installCilium(scope: Construct, target: CiliumTarget, options: CiliumOptions, after: IDependable[]): CiliumInstallation {
  const { cluster, chartVersion } = target;
  const mode = options.mode ?? CiliumMode.CHAINING;
  const timeout = options.timeout ?? Duration.minutes(10);
  const datapath: IConstruct[] = [];
  let operatorRole: iam.Role | undefined;
  if (mode === CiliumMode.ENI) {
    operatorRole = new iam.Role(scope, 'CiliumOperatorRole', {
      assumedBy: irsaPrincipal(scope, 'CiliumOperatorTrust', cluster, CILIUM_CHART.namespace, CILIUM_CHART.operatorServiceAccount),
      description: `IRSA role of the Cilium operator (${CILIUM_CHART.namespace}/${CILIUM_CHART.operatorServiceAccount}), ENI IPAM`,
    });
    datapath.push(operatorRole);
  }
  const values = ciliumValues(options, { chainingPool: target.chainingPool, operatorRoleArn: operatorRole?.roleArn });
  if (operatorRole) {
    for (const statement of ciliumOperatorStatements(ciliumOperatorActions(values), target.vpcArn ?? '')) operatorRole.addToPolicy(statement);
  }
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
    timeout,
    values,
  });
  after.forEach((d) => chart.node.addDependency(d));
  if (operatorRole) chart.node.addDependency(operatorRole);
  datapath.unshift(chart);
  if (mode === CiliumMode.ENI) {
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
    datapath.push(disableAwsNode);
  }
  // The chart ships no CRDs: the operator registers them when it starts
  // (cilium operator, pkg/k8s/apis/cilium.io/client: CreateCustomResourceDefinitions).
  const crds = options.clusterNetworkPolicy ? [...CILIUM_CHART.policyCrds, CLUSTER_NETWORK_POLICY_CRD] : CILIUM_CHART.policyCrds;
  const crdsReady = crds.map((crd) => {
    const check = ReadinessCheck.crdEstablished(crd).waitOn(scope, `CrdReady-${crd.split('.')[0]}`, cluster, timeout);
    check.node.addDependency(chart);
    return check;
  });
  let coreDnsRestart: eks.KubernetesPatch | undefined;
  if (mode === CiliumMode.CHAINING) {
    // Pods that started before Cilium (CoreDNS on a new cluster) are not
    // managed by it until they restart (Cilium docs, "AWS VPC CNI plugin":
    // restart existing pods). A changed pod-template annotation rolls them.
    coreDnsRestart = new eks.KubernetesPatch(scope, 'RestartCoreDns', {
      cluster,
      resourceName: `deployment/${CORE_ADDONS.coreDnsDeployment}`,
      resourceNamespace: 'kube-system',
      applyPatch: { spec: { template: { metadata: { annotations: { 'eks-zero-trust.io/managed-by-cilium': chartVersion } } } } },
      restorePatch: { spec: { template: { metadata: { annotations: { 'eks-zero-trust.io/managed-by-cilium': null } } } } },
    });
    crdsReady.forEach((c) => coreDnsRestart!.node.addDependency(c));
  }
  return { datapath, crdsReady, coreDnsRestart };
}
