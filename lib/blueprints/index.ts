/**
 * EKS Blueprints integration. A separate entry point (`eks-zero-trust/blueprints`)
 * so that `@aws-quickstart/eks-blueprints`, which pins aws-cdk-lib exactly,
 * stays an optional peer dependency.
 */
import type { ClusterAddOn, ClusterInfo } from '@aws-quickstart/eks-blueprints';
import { Construct } from 'constructs';
import { PolicyEngineInstallation, PolicyEngineInstallationOptions } from '../cluster/policy-engine-installation';

/**
 * Installs this library's policy engine into an `EksBlueprint`:
 * `EksBlueprint.builder().addOns(new ZeroTrustEngineAddOn({ engine: PolicyEngine.calico() }))`.
 * The engine is ordered against the blueprint's managed node groups like a SecuredCluster's.
 */
export class ZeroTrustEngineAddOn implements ClusterAddOn {
  /** The add-on id in the blueprint. */
  public readonly id = 'eks-zero-trust-engine';

  constructor(private readonly options: PolicyEngineInstallationOptions) {}

  /** Called by the blueprint with the cluster it built. */
  public deploy(clusterInfo: ClusterInfo): Promise<Construct> {
    const installation = new PolicyEngineInstallation(clusterInfo.cluster, 'ZeroTrustPolicyEngine', {
      ...this.options,
      cluster: clusterInfo.cluster,
    });
    for (const nodeGroup of clusterInfo.nodeGroups ?? []) installation.orderWithNodeGroup(nodeGroup);
    return Promise.resolve(installation);
  }
}
