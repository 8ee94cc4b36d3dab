import { App } from 'aws-cdk-lib';
import { PolicyEngine } from 'eks-zero-trust';
import { buildApp as buildCaas } from '../caas-tenants/app';

/**
 * Seed 003 with the VPC CNI's own network policy agent instead of Calico:
 * the same tenants, rendered as Kubernetes NetworkPolicy.
 */
export function buildApp(app: App = new App()): App {
  return buildCaas(app, { engine: PolicyEngine.vpcCni(), stackName: 'CaasTenantsVpcCniStack' });
}

if (require.main === module) {
  buildApp().synth();
}
