import { ClusterNetwork } from '../network';
import { internetBlocks, PeerSpec, POD_IDENTITY_AGENT } from '../peer';
import { Rule, RuleAction } from '../rule';

/** What rendering needs besides the intent. */
export interface RenderContext {
  /**
   * The cluster's pod address blocks, left out of the internet peer.
   * @default - none besides the built-in exclusions
   */
  readonly network?: ClusterNetwork;
}

/**
 * The peer specs with the internet expanded into address blocks and, where
 * `addresses` is set, the Pod Identity agent into its two /32 and /128
 * blocks (for dialects that name it by address).
 */
export function concreteSpecs(specs: readonly PeerSpec[], context: RenderContext, addresses: boolean): PeerSpec[] {
  return specs.flatMap((spec): PeerSpec[] => {
    if (spec.kind === 'internet') return internetBlocks(spec.excludeCidrs, context.network).map((b) => ({ kind: 'cidr', cidr: b.cidr, except: [...b.except] }));
    if (spec.kind === 'podIdentityAgent' && addresses) return POD_IDENTITY_AGENT.cidrs.map((cidr) => ({ kind: 'cidr', cidr, except: [] }));
    if (spec.kind === 'nodes' && addresses) return spec.cidrs.map((cidr) => ({ kind: 'cidr', cidr, except: [] }));
    return [spec];
  });
}

/** The evaluation rank of an action within a policy: Log (which never decides), then Deny and Pass, then Allow. */
const RANK: { readonly [action in RuleAction]: number } = {
  [RuleAction.LOG]: 0,
  [RuleAction.DENY]: 1,
  [RuleAction.PASS]: 1,
  [RuleAction.ALLOW]: 2,
};

/**
 * The rules of a policy in the order this library gives them everywhere:
 * deny wins within a policy, as in Cilium, where `ingressDeny`/`egressDeny`
 * take precedence over allows (docs.cilium.io, "Deny Policies"). Calico and
 * ClusterNetworkPolicy take the first rule that matches, so Deny (and Pass)
 * rules go before Allow rules; Log rules go first since they never decide.
 * The sort is stable: rules of one rank keep the order they were written in.
 */
export function evaluationOrder(rules: readonly Rule[]): Rule[] {
  return rules.map((rule, index) => ({ rule, index })).sort((a, b) => RANK[a.rule.action] - RANK[b.rule.action] || a.index - b.index).map((x) => x.rule);
}
