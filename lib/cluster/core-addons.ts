import * as eks from 'aws-cdk-lib/aws-eks';
import { Construct } from 'constructs';
import { CORE_ADDONS } from './versions';

/** The core add-ons a cluster created here manages. */
export interface CoreAddons {
  /** CoreDNS. */
  readonly coreDns: eks.CfnAddon;
  /** kube-proxy. */
  readonly kubeProxy: eks.CfnAddon;
}

/**
 * CoreDNS and kube-proxy as EKS add-ons, so EKS updates them with the
 * cluster; EKS adopts the self-managed copies a new cluster starts with
 * (`OVERWRITE`). After the node group: CoreDNS needs nodes to become active.
 */
export function addCoreAddons(scope: Construct, cluster: eks.ICluster, nodeGroup: eks.Nodegroup): CoreAddons {
  const addon = (id: string, name: string) => {
    const resource = new eks.CfnAddon(scope, id, { clusterName: cluster.clusterName, addonName: name, resolveConflicts: 'OVERWRITE' });
    resource.node.addDependency(nodeGroup);
    return resource;
  };
  return { coreDns: addon('CoreDnsAddon', CORE_ADDONS.coreDns), kubeProxy: addon('KubeProxyAddon', CORE_ADDONS.kubeProxy) };
}
