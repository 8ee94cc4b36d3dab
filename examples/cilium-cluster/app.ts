import { App, Stack } from 'aws-cdk-lib';
import { CiliumMode, PolicyEngine, SecuredCluster } from 'eks-zero-trust';

/**
 * Two clusters with Cilium: chained on the VPC CNI (L3/L4), and in ENI mode,
 * where Cilium owns the datapath and enforces L7 and FQDN rules, with Hubble.
 */
export function buildApp(app: App = new App()): App {
  new SecuredCluster(new Stack(app, 'CiliumChainingStack'), 'Cluster', { engine: PolicyEngine.cilium() });
  new SecuredCluster(new Stack(app, 'CiliumEniStack'), 'Cluster', {
    engine: PolicyEngine.cilium({ mode: CiliumMode.ENI, hubbleUi: true }),
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
