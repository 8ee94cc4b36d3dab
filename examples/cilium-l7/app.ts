import { App, Stack } from 'aws-cdk-lib';
import * as cdk8s from 'cdk8s';
import { CiliumMode, PolicyChart, PolicyEngine, PolicyTarget, Peer, Port, SecuredCluster, ZeroTrustNamespace } from 'eks-zero-trust';

/** The domains the backend may call (seed 004's "named domains"). */
export const BACKEND_DOMAINS = ['api.github.com', '*.s3.amazonaws.com'] as const;

/**
 * Seed 004's policies in namespace `app`: the backend answers only
 * `GET /health` and only from the frontend; it may resolve names with
 * kube-dns and reach only the named domains.
 */
export function addShopPolicies(chart: cdk8s.Chart, target: PolicyTarget): ZeroTrustNamespace {
  const app = new ZeroTrustNamespace(chart, 'app', { target });
  const frontend = app.pods({ app: 'frontend' });
  const backend = app.pods({ app: 'backend' });
  app.allow(frontend, backend, [Port.tcp(80)], { http: [{ method: 'GET', path: '/health' }] });
  app.allow(backend, Peer.fqdn(BACKEND_DOMAINS[0]), [Port.tcp(443)], { name: 'backend-to-github' });
  app.allow(backend, Peer.fqdnPattern(BACKEND_DOMAINS[1]), [Port.tcp(443)], { name: 'backend-to-s3' });
  return app;
}

/** A cluster where Cilium owns the datapath (ENI mode), so L7 and FQDN rules are enforced. */
export function buildApp(app: App = new App()): App {
  const stack = new Stack(app, 'CiliumL7Stack');
  const cluster = new SecuredCluster(stack, 'Cluster', { engine: PolicyEngine.cilium({ mode: CiliumMode.ENI, hubbleUi: true }) });
  const chart = new PolicyChart(new cdk8s.App(), 'shop', { target: cluster.engine.target, network: cluster.network });
  addShopPolicies(chart, cluster.engine.target);
  cluster.addPolicies('ShopPolicies', { charts: [chart] });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
