import * as blueprints from '@aws-quickstart/eks-blueprints';
import { App } from 'aws-cdk-lib';
import { CiliumMode, PolicyEngine } from 'eks-zero-trust';
import { ZeroTrustEngineAddOn } from 'eks-zero-trust/blueprints';

/**
 * EKS Blueprints with this library's engine add-on: one blueprint with Calico,
 * one with Cilium in ENI mode (its managed node groups get Cilium's
 * agent-not-ready taint from the add-on). Blueprints needs an account and a
 * region and a Kubernetes version; `auto` takes the newest it knows.
 */
export async function buildApp(app: App = new App()): Promise<App> {
  const account = process.env.CDK_DEFAULT_ACCOUNT ?? '111111111111';
  const region = process.env.CDK_DEFAULT_REGION ?? 'eu-west-1';
  const builder = () => blueprints.EksBlueprint.builder().account(account).region(region).version('auto');
  await builder()
    .addOns(new ZeroTrustEngineAddOn({ engine: PolicyEngine.calico() }))
    .buildAsync(app, 'BlueprintCalico');
  await builder()
    .addOns(new ZeroTrustEngineAddOn({ engine: PolicyEngine.cilium({ mode: CiliumMode.ENI }) }))
    .buildAsync(app, 'BlueprintCiliumEni');
  return app;
}

if (require.main === module) {
  buildApp().then((app) => app.synth());
}
