import { KubectlV35Layer } from '@aws-cdk/lambda-layer-kubectl-v35';
import { App, Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
import { IamServiceAccount, PolicyEngine, PolicyEngineInstallation } from 'eks-zero-trust';

/**
 * Adopting the library in an existing CDK app: the cluster is imported with its
 * kubectl role and OIDC provider, then gets the same engine install and IRSA
 * service accounts as a SecuredCluster. Replace the attributes with your own.
 */
export function buildApp(app: App = new App()): App {
  const stack = new Stack(app, 'ExistingClusterStack');
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', {
    clusterName: 'prod',
    kubectlRoleArn: 'arn:aws:iam::111111111111:role/prod-kubectl',
    kubectlLayer: new KubectlV35Layer(stack, 'KubectlLayer'),
    openIdConnectProvider: eks.OpenIdConnectProvider.fromOpenIdConnectProviderArn(stack, 'Oidc',
      'arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE'),
  });
  new PolicyEngineInstallation(stack, 'PolicyEngine', { cluster, engine: PolicyEngine.calico() });
  new IamServiceAccount(stack, 'CalicoServiceAccount', { cluster, name: 'calico-sa', namespace: 'kube-system' });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
