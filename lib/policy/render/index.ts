import { KubeObject } from '../../manifests/types';
import { PolicyIntent } from '../intent';
import { PolicyDialect, PolicyFeature, PolicyTarget } from '../target';
import { renderCalico } from './calico';
import { renderCilium } from './cilium';
import { renderKubernetes } from './kubernetes';

/**
 * Renders an intent in the dialect of `target`. Check it with `checkIntent`
 * first: renderers assume the target supports what the intent asks.
 */
export function renderIntent(intent: PolicyIntent, target: PolicyTarget): KubeObject {
  switch (target.dialect) {
    case PolicyDialect.KUBERNETES: return renderKubernetes(intent);
    case PolicyDialect.CALICO: return renderCalico(intent);
    case PolicyDialect.CILIUM: return renderCilium(intent, { l7: target.supports(PolicyFeature.L7_HTTP) });
  }
}

export { renderKubernetes } from './kubernetes';
export { renderCalico, calicoSelector, calicoPolicyName, CALICO_DEFAULT_TIER } from './calico';
export { renderCilium, CILIUM_NAMESPACE_LABEL, CILIUM_NAMESPACE_LABELS_PREFIX, type CiliumRenderOptions } from './cilium';
