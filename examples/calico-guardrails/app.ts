import { App, Stack } from 'aws-cdk-lib';
import * as cdk8s from 'cdk8s';
import {
  ClusterPolicy, GuardrailTier, INSTANCE_METADATA, LabelSelector, Peer, PolicyChart, PolicyTier, Port, Rule, SecuredCluster,
  SelectorOperator, TierAccess, TierDefaultAction, ZeroTrustNamespace,
} from 'eks-zero-trust';

/**
 * Seed 001's guardrails: a security tier and a platform tier evaluated before
 * the default tier, a team that manages policies only in its own tier and
 * namespace, and that team's policies staged so their effect is observed
 * before they are enforced.
 */
export function addGuardrails(chart: PolicyChart): void {
  const security = new PolicyTier(chart, 'security', { order: 100, defaultAction: TierDefaultAction.PASS });
  const platform = new PolicyTier(chart, 'platform', { order: 200, defaultAction: TierDefaultAction.PASS });
  const payments = new PolicyTier(chart, 'payments-tier', { name: 'payments', order: 300 });

  // Security: nobody but the node agents reaches the instance metadata service; log what tries.
  const metadata = INSTANCE_METADATA.map((cidr) => Peer.ipBlock(cidr));
  const imds = new ClusterPolicy(chart, 'block-instance-metadata', {
    tier: security.name,
    order: 10,
    appliesTo: LabelSelector.expressions([{ key: 'eks-zero-trust.io/imds-access', operator: SelectorOperator.DOES_NOT_EXIST }]),
    egress: [Rule.log({ peers: metadata }), Rule.deny({ peers: metadata })],
  });
  // Security: quarantined pods talk to nobody, whatever lower tiers say.
  // The tier's default action (Pass) hands everything else to the next tier.
  const quarantine = new ClusterPolicy(chart, 'quarantine', {
    tier: security.name,
    order: 5,
    appliesTo: LabelSelector.of({ 'eks-zero-trust.io/quarantine': 'true' }),
    ingress: [Rule.deny()],
    egress: [Rule.deny()],
  });
  // Platform: every pod may use the cluster DNS; everything else goes to the next tier.
  const dns = new ClusterPolicy(chart, 'allow-cluster-dns', {
    tier: platform.name,
    order: 10,
    egress: [Rule.allow({ peers: [Peer.clusterDns()], ports: [Port.udp(53), Port.tcp(53)] })],
  });
  [imds, quarantine].forEach((p) => p.apiObject.addDependency(security.apiObject));
  dns.apiObject.addDependency(platform.apiObject);

  // Baseline, after every namespace's policies: pods of development namespaces
  // never reach production ones unless a production policy allows it. An
  // upstream ClusterNetworkPolicy, which Calico 3.32 enforces.
  new ClusterPolicy(chart, 'dev-not-into-prod', {
    clusterNetworkPolicy: true,
    guardrailTier: GuardrailTier.BASELINE,
    namespaces: LabelSelector.of({ environment: 'prod' }),
    ingress: [Rule.deny({ peers: [Peer.podsInNamespacesMatching(LabelSelector.of({ environment: 'dev' }))] })],
  });

  // The payments team owns its tier in its namespace, and stages its policies first.
  new TierAccess(chart, 'payments-team', { tier: payments, namespaces: ['payments'], groups: ['payments-developers'] });
  const ns = new ZeroTrustNamespace(chart, 'payments', { tier: payments.name, staged: true, allowDns: false });
  ns.allow(ns.pods({ app: 'checkout' }), ns.pods({ app: 'ledger' }), [Port.tcp(8443)]);
}

/** A Calico cluster with the guardrails delivered. */
export function buildApp(app: App = new App()): App {
  const stack = new Stack(app, 'CalicoGuardrailsStack');
  const cluster = new SecuredCluster(stack, 'Cluster');
  const chart = new PolicyChart(new cdk8s.App(), 'guardrails', { target: cluster.engine.target, network: cluster.network });
  addGuardrails(chart);
  cluster.addPolicies('Guardrails', { charts: [chart], release: 'guardrails' });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
