import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { KubeObject } from '../../manifests/types';
import { CREATED_BY_LABEL, GuardrailTier, PolicyIntent } from '../intent';
import { Rule } from '../rule';
import { LabelSelector } from '../selector';
import { PolicyTarget } from '../target';
import { emitIntent } from './emit';
import { resolveTarget } from './policy-chart';
import { PolicyTier } from './policy-tier';

/** What namespaced and cluster-wide policies share. */
export interface PolicyBaseProps {
  /**
   * The policy name.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The engine to render for.
   * @default - the enclosing PolicyChart's target
   */
  readonly target?: PolicyTarget;
  /**
   * Ingress rules, in evaluation order. Giving the list (even empty) isolates
   * the selected pods for ingress; leaving it out leaves ingress alone.
   * @default - ingress is not touched
   */
  readonly ingress?: readonly Rule[];
  /**
   * Egress rules, in evaluation order; see `ingress`.
   * @default - egress is not touched
   */
  readonly egress?: readonly Rule[];
  /**
   * The Calico tier.
   * @default - Calico's default tier
   */
  readonly tier?: string;
  /**
   * The Calico order within the tier; lower is evaluated first.
   * @default - Calico's default (after every ordered policy)
   */
  readonly order?: number;
  /**
   * Emit as a staged policy (Calico), so its verdicts are reported but not enforced.
   * @default false
   */
  readonly staged?: boolean;
  /**
   * Extra labels on the rendered object.
   * @default - only `app.kubernetes.io/created-by: eks-zero-trust`
   */
  readonly labels?: { readonly [key: string]: string };
}

/** Properties of a `NamespacePolicy`. */
export interface NamespacePolicyProps extends PolicyBaseProps {
  /** The namespace. */
  readonly namespace: string;
  /**
   * The pods the policy applies to.
   * @default LabelSelector.all() - every pod of the namespace
   */
  readonly appliesTo?: LabelSelector;
}

/**
 * One namespaced policy from rules: Kubernetes NetworkPolicy, Calico
 * NetworkPolicy or CiliumNetworkPolicy, by target. `ZeroTrustNamespace` builds
 * these for you; use this class for rules it has no method for.
 */
export class NamespacePolicy extends Construct {
  /** The intent the policy was rendered from. */
  public readonly intent: PolicyIntent;
  /** The rendered manifest. */
  public readonly manifest: KubeObject;
  /** The cdk8s object. */
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: NamespacePolicyProps) {
    super(scope, id);
    this.intent = baseIntent(id, props, { namespace: props.namespace, appliesTo: props.appliesTo ?? LabelSelector.all(), isolate: true });
    const out = emitIntent(this, 'Resource', this.intent, resolveTarget(this, props.target));
    this.manifest = out.manifest;
    this.apiObject = out.apiObject;
  }
}

/** Properties of a `ClusterPolicy`. */
export interface ClusterPolicyProps extends PolicyBaseProps {
  /**
   * The pods the policy applies to, in every namespace `namespaces` matches.
   * @default LabelSelector.all()
   */
  readonly appliesTo?: LabelSelector;
  /**
   * The namespaces whose pods it applies to.
   * @default - every namespace
   */
  readonly namespaces?: LabelSelector;
  /**
   * Whether the policy isolates the pods it selects (Kubernetes semantics),
   * or is a guardrail that only decides what its rules match and leaves the
   * rest to other policies. On Calico a guardrail must sit in a `PolicyTier`
   * whose `defaultAction` is Pass (that is what hands unmatched traffic on);
   * on Cilium it sets no default deny; as a ClusterNetworkPolicy it is what
   * the API does.
   * @default false - a guardrail
   */
  readonly isolate?: boolean;
  /**
   * Render as upstream `policy.networking.k8s.io/v1alpha2`
   * ClusterNetworkPolicy (Calico 3.32+; Cilium 1.20 with
   * `PolicyEngine.cilium({ clusterNetworkPolicy: true })`) instead of a
   * GlobalNetworkPolicy or CiliumClusterwideNetworkPolicy. On the VPC CNI a
   * cluster policy is always an Amazon EKS ClusterNetworkPolicy.
   * @default false
   */
  readonly clusterNetworkPolicy?: boolean;
  /**
   * The tier of a policy rendered as ClusterNetworkPolicy: Admin (before the
   * namespaces' policies, final) or Baseline (after them, a default).
   * `order` is its priority (0-1000, lower first).
   * @default GuardrailTier.ADMIN
   */
  readonly guardrailTier?: GuardrailTier;
}

/**
 * A cluster-wide policy: Calico GlobalNetworkPolicy,
 * CiliumClusterwideNetworkPolicy, or a ClusterNetworkPolicy (upstream on
 * request, Amazon EKS on the VPC CNI). Use it for guardrails that no
 * namespace owner may override, such as blocking the instance metadata service.
 */
export class ClusterPolicy extends Construct {
  /** The intent the policy was rendered from. */
  public readonly intent: PolicyIntent;
  /** The rendered manifest. */
  public readonly manifest: KubeObject;
  /** The cdk8s object. */
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: ClusterPolicyProps) {
    super(scope, id);
    this.intent = {
      ...baseIntent(id, props, {
        namespace: undefined,
        appliesTo: props.appliesTo ?? LabelSelector.all(),
        appliesToNamespaces: props.namespaces,
        isolate: props.isolate ?? false,
      }),
      clusterNetworkPolicy: props.clusterNetworkPolicy,
      guardrailTier: props.guardrailTier,
    };
    const tier = props.tier !== undefined ? PolicyTier.find(this, props.tier) : undefined;
    const out = emitIntent(this, 'Resource', this.intent, resolveTarget(this, props.target), { tierDefaultAction: tier?.defaultAction });
    this.manifest = out.manifest;
    this.apiObject = out.apiObject;
  }
}

/** Builds an intent from the props every policy construct shares. */
export function baseIntent(
  id: string,
  props: PolicyBaseProps,
  scope: { namespace: string | undefined; appliesTo: LabelSelector; appliesToNamespaces?: LabelSelector; isolate: boolean },
): PolicyIntent {
  return {
    name: props.name ?? id,
    namespace: scope.namespace,
    appliesTo: scope.appliesTo,
    appliesToNamespaces: scope.appliesToNamespaces,
    ingress: props.ingress,
    egress: props.egress,
    tier: props.tier,
    order: props.order,
    isolate: scope.isolate,
    staged: props.staged ?? false,
    labels: { ...(props.labels ?? {}), ...CREATED_BY_LABEL },
  };
}
