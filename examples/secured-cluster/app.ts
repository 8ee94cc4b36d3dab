import { App, Stack } from 'aws-cdk-lib';
import { SecuredCluster } from 'eks-zero-trust';

/** The default example: a private EKS cluster with Calico enforcing policy. */
export function buildApp(app: App = new App()): App {
  const stack = new Stack(app, 'SecuredClusterStack');
  new SecuredCluster(stack, 'Cluster');
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
