import { App } from 'aws-cdk-lib';
import { ClusterPolicy, CREATED_BY_LABEL, GuardrailTier, INSTANCE_METADATA, LabelSelector, Peer, PolicyChart, PolicyEngine, Rule } from 'eks-zero-trust';
import { buildApp as buildCaas } from '../caas-tenants/app';

/** The vpc-cni add-on version: admin policies need 1.21.1 or later. */
export const VPC_CNI_VERSION = 'v1.21.1-eksbuild.1';

/**
 * Cluster-wide guardrails the VPC CNI enforces as Amazon EKS
 * ClusterNetworkPolicy: no pod reaches the instance metadata service (Admin,
 * before any namespace policy), and by default (Baseline) no tenant reaches
 * another tenant's namespace unless its own policies say so.
 */
export function addVpcCniGuardrails(chart: PolicyChart): void {
  new ClusterPolicy(chart, 'deny-instance-metadata', {
    guardrailTier: GuardrailTier.ADMIN,
    egress: [Rule.deny({ peers: INSTANCE_METADATA.map((c) => Peer.ipBlock(c)) })],
  });
  // The namespaces ZeroTrustNamespace creates carry the created-by label.
  const tenants = LabelSelector.of(CREATED_BY_LABEL);
  new ClusterPolicy(chart, 'tenants-apart-by-default', {
    guardrailTier: GuardrailTier.BASELINE,
    namespaces: tenants,
    ingress: [Rule.deny({ peers: [Peer.podsInNamespacesMatching(tenants)] })],
  });
}

/**
 * Seed 003 with the VPC CNI's own network policy agent instead of Calico:
 * the same tenants, rendered as Kubernetes NetworkPolicy, and guardrails as
 * Amazon EKS ClusterNetworkPolicy.
 */
export function buildApp(app: App = new App()): App {
  return buildCaas(app, { engine: PolicyEngine.vpcCni({ addonVersion: VPC_CNI_VERSION }), stackName: 'CaasTenantsVpcCniStack', guardrails: addVpcCniGuardrails });
}

if (require.main === module) {
  buildApp().synth();
}
