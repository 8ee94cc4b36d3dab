import { Construct } from 'constructs';
import { PolicyChart } from '../policy/constructs/policy-chart';
import { ZeroTrustNamespace } from '../policy/constructs/zero-trust-namespace';
import { Peer } from '../policy/peer';
import { Port, Protocol } from '../policy/port';
import { Rule } from '../policy/rule';
import { PolicyTarget } from '../policy/target';
import { PlanPeer, PlanPort, PlanRule, RecommendationPlan, RecommendEngine, RecommendMode } from './plan';

/** The policy target of an engine. */
export function targetOf(engine: RecommendEngine): PolicyTarget {
  switch (engine) {
    case RecommendEngine.CALICO: return PolicyTarget.CALICO;
    case RecommendEngine.CILIUM: return PolicyTarget.CILIUM;
    case RecommendEngine.KUBERNETES: return PolicyTarget.KUBERNETES;
  }
}

/** Whether the engine has staged policy kinds (only Calico does). */
export function hasStagedKinds(engine: RecommendEngine): boolean {
  return engine === RecommendEngine.CALICO;
}

/**
 * Adds the plan's policies to a chart: per namespace an adopted
 * `ZeroTrustNamespace` (default deny and DNS) and one policy per workload.
 * The TypeScript the recommender prints makes exactly these calls.
 */
export function addPlanToChart(scope: Construct, plan: RecommendationPlan, mode: RecommendMode): void {
  const staged = mode === RecommendMode.STAGED && hasStagedKinds(plan.engine);
  for (const ns of plan.namespaces) {
    const space = new ZeroTrustNamespace(scope, ns.name, { create: false, staged });
    for (const w of ns.workloads) {
      space.addWorkloadPolicy(w.name, {
        pods: w.labels,
        ingress: w.ingress.map(toRule),
        egress: w.egress.map(toRule),
      });
    }
  }
}

/** A chart holding the plan, for the plan's engine. */
export function planChart(scope: Construct, id: string, plan: RecommendationPlan, mode: RecommendMode): PolicyChart {
  const chart = new PolicyChart(scope, id, { target: targetOf(plan.engine) });
  addPlanToChart(chart, plan, mode);
  return chart;
}

function toRule(rule: PlanRule): Rule {
  return Rule.allow({ peers: rule.peers.map(toPeer), ports: rule.ports.map(toPort) });
}

function toPeer(peer: PlanPeer): Peer {
  switch (peer.kind) {
    case 'pods': return peer.namespace === undefined ? Peer.pods(peer.labels) : Peer.podsIn(peer.namespace, peer.labels);
    case 'cidr': return Peer.ipBlock(peer.cidr);
    case 'fqdn': return Peer.fqdn(peer.name);
    case 'api-server': return Peer.kubeApiServer(peer.cidrs.length > 0 ? { cidrs: peer.cidrs } : {});
    case 'internet': return Peer.internet();
  }
}

const PROTOCOLS: { readonly [p in PlanPort['protocol']]: Protocol } = { TCP: Protocol.TCP, UDP: Protocol.UDP, SCTP: Protocol.SCTP };

function toPort(port: PlanPort): Port {
  if (port.from !== port.to) return Port.range(PROTOCOLS[port.protocol], port.from, port.to);
  switch (port.protocol) {
    case 'TCP': return Port.tcp(port.from);
    case 'UDP': return Port.udp(port.from);
    case 'SCTP': return Port.sctp(port.from);
  }
}
