/**
 * EKS Blueprints integration. A separate entry point (`eks-zero-trust/blueprints`)
 * so that `@aws-quickstart/eks-blueprints`, which pins aws-cdk-lib exactly,
 * stays an optional peer dependency.
 */
import type { ClusterAddOn, ClusterInfo } from '@aws-quickstart/eks-blueprints';
import { Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
import { Construct } from 'constructs';
import { CILIUM_AGENT_NOT_READY_TAINT } from '../cluster/engines/cilium';
import { CiliumMode, PolicyEngineKind } from '../cluster/policy-engine';
import { PolicyEngineInstallation, PolicyEngineInstallationOptions } from '../cluster/policy-engine-installation';

/**
 * Installs this library's policy engine into an `EksBlueprint`:
 * `EksBlueprint.builder().addOns(new ZeroTrustEngineAddOn({ engine: PolicyEngine.calico() }))`.
 * The engine is ordered against the blueprint's managed node groups like a
 * SecuredCluster's. In Cilium ENI mode the blueprint's managed node groups get
 * the `node.cilium.io/agent-not-ready` taint (Cilium removes it once its agent
 * runs), as a SecuredCluster's do; self-managed (autoscaling) groups cannot
 * be reached from here and fail the synth with the kubelet setting to add.
 */
export class ZeroTrustEngineAddOn implements ClusterAddOn {
  /** The add-on id in the blueprint. */
  public readonly id = 'eks-zero-trust-engine';

  constructor(private readonly options: PolicyEngineInstallationOptions) {}

  /** Called by the blueprint with the cluster it built. */
  public deploy(clusterInfo: ClusterInfo): Promise<Construct> {
    const engine = this.options.engine;
    if (engine.kind === PolicyEngineKind.CILIUM && engine._cilium.mode === CiliumMode.ENI) {
      for (const nodeGroup of clusterInfo.nodeGroups ?? []) taintForCilium(nodeGroup);
      const groups = clusterInfo.autoscalingGroups ?? [];
      if (groups.length > 0) {
        const taint = `${CILIUM_AGENT_NOT_READY_TAINT.key}=${CILIUM_AGENT_NOT_READY_TAINT.value}:${CILIUM_AGENT_NOT_READY_TAINT.effect}`;
        throw new Error(`${groups.map((g) => g.node.path).join(', ')}: Cilium ENI mode needs nodes that start tainted, and ZeroTrustEngineAddOn cannot set the taint on self-managed node groups. `
          + `Add --register-with-taints=${taint} to the kubelet's extra arguments of these groups (bootstrap options / kubelet extraArgs), or use managed node groups.`);
      }
    }
    const installation = new PolicyEngineInstallation(clusterInfo.cluster, 'ZeroTrustPolicyEngine', {
      ...this.options,
      cluster: clusterInfo.cluster,
    });
    for (const nodeGroup of clusterInfo.nodeGroups ?? []) installation.orderWithNodeGroup(nodeGroup);
    return Promise.resolve(installation);
  }
}

/** Adds Cilium's agent-not-ready taint to a managed node group, keeping the taints it has. */
function taintForCilium(nodeGroup: eks.Nodegroup): void {
  const cfn = nodeGroup.node.defaultChild as eks.CfnNodegroup;
  const current = cfn.taints;
  if (current !== undefined && (Token.isUnresolved(current) || !Array.isArray(current))) {
    throw new Error(`${nodeGroup.node.path}: its taints are a token, so the Cilium ENI taint cannot be added; add { key: '${CILIUM_AGENT_NOT_READY_TAINT.key}', value: '${CILIUM_AGENT_NOT_READY_TAINT.value}', effect: NO_EXECUTE } to the node group's taints`);
  }
  const taints = (current ?? []) as eks.CfnNodegroup.TaintProperty[];
  if (taints.some((t) => t.key === CILIUM_AGENT_NOT_READY_TAINT.key)) return;
  cfn.taints = [...taints, { key: CILIUM_AGENT_NOT_READY_TAINT.key, value: CILIUM_AGENT_NOT_READY_TAINT.value, effect: 'NO_EXECUTE' }];
}
