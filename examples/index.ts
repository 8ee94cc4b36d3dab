import { App } from 'aws-cdk-lib';
import * as calicoIrsa from './calico-irsa/app';
import * as ciliumCluster from './cilium-cluster/app';
import * as existingCluster from './existing-cluster/app';
import * as securedCluster from './secured-cluster/app';

/** Every example app, by directory name. Each `buildApp` adds its stacks to `app`. */
export const EXAMPLES: { readonly [name: string]: (app?: App) => App } = {
  'secured-cluster': securedCluster.buildApp,
  'calico-irsa': calicoIrsa.buildApp,
  'existing-cluster': existingCluster.buildApp,
  'cilium-cluster': ciliumCluster.buildApp,
};
