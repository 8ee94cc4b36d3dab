import { KubeObject } from '../../manifests/types';
import { PolicyIntent } from '../intent';
import { PolicyDialect, PolicyFeature, PolicyTarget } from '../target';
import { renderCalico } from './calico';
import { renderCilium } from './cilium';
import { clusterNetworkPolicyApi, renderClusterNetworkPolicy } from './cluster-network-policy';
import { RenderContext } from './context';
import { renderKubernetes } from './kubernetes';

/**
 * Renders an intent in the dialect of `target`: a cluster-wide guardrail as
 * ClusterNetworkPolicy where the target or the intent asks for it, else the
 * dialect's own kind. Check it with `checkIntent` first: renderers assume the
 * target supports what the intent asks.
 */
export function renderIntent(intent: PolicyIntent, target: PolicyTarget, context: RenderContext = {}): KubeObject {
  const cnp = clusterNetworkPolicyApi(intent, target);
  if (cnp) return renderClusterNetworkPolicy(intent, cnp, context);
  switch (target.dialect) {
    case PolicyDialect.KUBERNETES: return renderKubernetes(intent, context);
    case PolicyDialect.CALICO: return renderCalico(intent, context);
    case PolicyDialect.CILIUM: return renderCilium(intent, { l7: target.supports(PolicyFeature.L7_HTTP) }, context);
  }
}

export { renderKubernetes } from './kubernetes';
export { renderCalico, calicoSelector, calicoPolicyName, calicoOrder, CALICO_DEFAULT_TIER, CALICO_POLICY_ORDERS } from './calico';
export { renderCilium, CILIUM_NAMESPACE_LABEL, CILIUM_NAMESPACE_LABELS_PREFIX, CILIUM_NOTHING_RULE, type CiliumRenderOptions } from './cilium';
export { renderClusterNetworkPolicy, clusterNetworkPolicyApi, ClusterNetworkPolicyApi, CLUSTER_NETWORK_POLICY_PRIORITIES } from './cluster-network-policy';
export { evaluationOrder, type RenderContext } from './context';
