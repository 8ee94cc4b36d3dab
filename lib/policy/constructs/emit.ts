import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { KubeObject } from '../../manifests/types';
import { PolicyIntent } from '../intent';
import { renderIntent } from '../render';
import { PolicyTarget } from '../target';
import { checkIntent, IntentContext } from '../validate';
import { assertNotDelivered } from './delivered';
import { PolicyChart } from './policy-chart';

/** The metadata type under which policy constructs record warnings. */
export const WARNING_METADATA = 'eks-zero-trust:warning';

/**
 * Checks `intent` for `target` (throwing every problem at once, named by the
 * construct path), records warnings, and adds the rendered object to `scope`,
 * rendered with the enclosing chart's network.
 */
export function emitIntent(scope: Construct, id: string, intent: PolicyIntent, target: PolicyTarget, context: IntentContext = {}): { readonly apiObject: ApiObject; readonly manifest: KubeObject } {
  const path = `${scope.node.path}/${id}`;
  assertNotDelivered(scope, 'policy');
  const check = checkIntent(intent, target, path, context);
  check.problems.throwIfAny();
  for (const [warningId, message] of check.warnings) addWarning(scope, warningId, message);
  const chart = PolicyChart.enclosing(scope);
  if (chart && [...(intent.ingress ?? []), ...(intent.egress ?? [])].some((r) => r.peers.some((p) => p.specs.some((s) => s.kind === 'internet')))) chart._markInternetPeers();
  const manifest = renderIntent(intent, target, { network: chart?.network });
  const apiObject = new ApiObject(scope, id, manifest as unknown as ConstructorParameters<typeof ApiObject>[2]);
  return { apiObject, manifest };
}

/** Records a warning with a stable id; delivery turns it into a CDK annotation. */
export function addWarning(scope: Construct, id: string, message: string): void {
  const exists = scope.node.metadata.some((m) => m.type === WARNING_METADATA && (m.data as { id: string }).id === id && (m.data as { message: string }).message === message);
  if (!exists) scope.node.addMetadata(WARNING_METADATA, { id, message });
}

/** Every warning recorded under `scope`, in construct order. */
export function collectWarnings(scope: Construct): { id: string; message: string }[] {
  return scope.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === WARNING_METADATA).map((m) => m.data as { id: string; message: string }));
}
