import { App } from 'aws-cdk-lib';
import * as blueprintsExample from './blueprints/app';
import * as caasTenants from './caas-tenants/app';
import * as caasTenantsVpcCni from './caas-tenants-vpc-cni/app';
import * as calicoGuardrails from './calico-guardrails/app';
import * as calicoIrsa from './calico-irsa/app';
import * as ciliumCluster from './cilium-cluster/app';
import * as ciliumL7 from './cilium-l7/app';
import * as existingCluster from './existing-cluster/app';
import * as securedCluster from './secured-cluster/app';

/** Every example app, by directory name. Each `buildApp` adds its stacks to `app`. */
export const EXAMPLES: { readonly [name: string]: (app?: App) => App } = {
  'secured-cluster': securedCluster.buildApp,
  'calico-irsa': calicoIrsa.buildApp,
  'existing-cluster': existingCluster.buildApp,
  'cilium-cluster': ciliumCluster.buildApp,
  'caas-tenants': (app?: App) => caasTenants.buildApp(app),
  'caas-tenants-vpc-cni': caasTenantsVpcCni.buildApp,
  'cilium-l7': ciliumL7.buildApp,
  'calico-guardrails': calicoGuardrails.buildApp,
};

/**
 * Examples whose apps build asynchronously (EKS Blueprints' `buildAsync`
 * runs add-ons that return promises), by directory name.
 */
export const ASYNC_EXAMPLES: { readonly [name: string]: (app?: App) => Promise<App> } = {
  blueprints: blueprintsExample.buildApp,
};
