// Recommended by `eks-zero-trust recommend` from observed flows. Review, then commit.
// 48 flow(s) that got through, 24 distinct connection(s), 2 namespace(s).
// Verified with the analyzer: 24 of 24 checkable connections allowed; 0 new workload pair(s).
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { Peer, PolicyChart, PolicyTarget, Port, Rule, ZeroTrustNamespace } from 'eks-zero-trust';

/** Adds the recommended policies: per namespace, default deny, DNS and one policy per workload. */
export function addRecommendedPolicies(scope: Construct): void {
  const ns0 = new ZeroTrustNamespace(scope, 'tenant-acme', { create: false, staged: true });
  ns0.addWorkloadPolicy('allow-cloudify-manager', {
    pods: { app: 'cloudify-manager' },
    ingress: [
      Rule.allow({ peers: [Peer.internet()], ports: [Port.tcp(80), Port.tcp(443)] }),
    ],
    egress: [
      Rule.allow({ peers: [Peer.internet()], ports: [Port.tcp(443)] }),
      Rule.allow({ peers: [Peer.pods({ app: 'postgres' })], ports: [Port.tcp(5432)] }),
      Rule.allow({ peers: [Peer.pods({ app: 'rabbitmq' })], ports: [Port.tcp(5671), Port.tcp(5672), Port.tcp(15671), Port.tcp(15672)] }),
    ],
  });
  ns0.addWorkloadPolicy('allow-postgres', {
    pods: { app: 'postgres' },
    ingress: [
      Rule.allow({ peers: [Peer.pods({ app: 'cloudify-manager' })], ports: [Port.tcp(5432)] }),
    ],
  });
  ns0.addWorkloadPolicy('allow-rabbitmq', {
    pods: { app: 'rabbitmq' },
    ingress: [
      Rule.allow({ peers: [Peer.pods({ app: 'cloudify-manager' })], ports: [Port.tcp(5671), Port.tcp(5672), Port.tcp(15671), Port.tcp(15672)] }),
    ],
  });
  const ns1 = new ZeroTrustNamespace(scope, 'tenant-globex', { create: false, staged: true });
  ns1.addWorkloadPolicy('allow-cloudify-manager', {
    pods: { app: 'cloudify-manager' },
    ingress: [
      Rule.allow({ peers: [Peer.internet()], ports: [Port.tcp(80), Port.tcp(443)] }),
    ],
    egress: [
      Rule.allow({ peers: [Peer.internet()], ports: [Port.tcp(443)] }),
      Rule.allow({ peers: [Peer.pods({ app: 'postgres' })], ports: [Port.tcp(5432)] }),
      Rule.allow({ peers: [Peer.pods({ app: 'rabbitmq' })], ports: [Port.tcp(5671), Port.tcp(5672), Port.tcp(15671), Port.tcp(15672)] }),
    ],
  });
  ns1.addWorkloadPolicy('allow-postgres', {
    pods: { app: 'postgres' },
    ingress: [
      Rule.allow({ peers: [Peer.pods({ app: 'cloudify-manager' })], ports: [Port.tcp(5432)] }),
    ],
  });
  ns1.addWorkloadPolicy('allow-rabbitmq', {
    pods: { app: 'rabbitmq' },
    ingress: [
      Rule.allow({ peers: [Peer.pods({ app: 'cloudify-manager' })], ports: [Port.tcp(5671), Port.tcp(5672), Port.tcp(15671), Port.tcp(15672)] }),
    ],
  });
}

if (require.main === module) {
  const app = new App();
  addRecommendedPolicies(new PolicyChart(app, 'recommended', { target: PolicyTarget.CALICO }));
  app.synth();
}
