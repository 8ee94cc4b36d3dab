import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { deepMerge, JsonObject } from '../../core/merge';
import { VpcCniOptions } from '../policy-engine';
import { VPC_CNI_ADDON } from '../versions';

/** How the VPC CNI add-on must be configured for the chosen engine. */
export interface VpcCniAddonSettings {
  /** Enforce Kubernetes NetworkPolicy with the VPC CNI's node agent. */
  readonly networkPolicy: boolean;
  /** Annotate pods with their IP (Calico's EKS guide requires it). */
  readonly annotatePodIp: boolean;
  /** The engine's own options when the VPC CNI is the engine. */
  readonly options?: VpcCniOptions;
  /** The IRSA role of `aws-node`, so nodes need no CNI permissions. */
  readonly serviceAccountRole?: iam.IRole;
}

/** The add-on's `configurationValues` for the given settings. */
export function vpcCniConfiguration(settings: VpcCniAddonSettings): JsonObject {
  const env: { [key: string]: string } = {};
  if (settings.annotatePodIp) env.ANNOTATE_POD_IP = 'true';
  if (settings.options?.strictMode) env.NETWORK_POLICY_ENFORCING_MODE = 'strict';
  const config: { [key: string]: unknown } = {
    enableNetworkPolicy: settings.networkPolicy ? 'true' : 'false',
  };
  if (Object.keys(env).length > 0) config.env = env;
  if (settings.networkPolicy && settings.options?.policyEventLogs) {
    config.nodeAgent = { enablePolicyEventLogs: 'true' };
  }
  return deepMerge(config, settings.options?.configurationValues);
}

/**
 * Creates the managed `vpc-cni` add-on with the given configuration. EKS adopts
 * the self-managed `aws-node` DaemonSet a new cluster starts with (`OVERWRITE`).
 */
export function addVpcCniAddon(scope: Construct, cluster: eks.ICluster, settings: VpcCniAddonSettings): eks.CfnAddon {
  return new eks.CfnAddon(scope, 'VpcCniAddon', {
    clusterName: cluster.clusterName,
    addonName: VPC_CNI_ADDON.addonName,
    addonVersion: settings.options?.addonVersion,
    resolveConflicts: 'OVERWRITE',
    serviceAccountRoleArn: settings.serviceAccountRole?.roleArn,
    configurationValues: JSON.stringify(vpcCniConfiguration(settings)),
  });
}
