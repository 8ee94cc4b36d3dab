import { LabelSelector } from './selector';
import { Rule } from './rule';

/**
 * The tier of an admin policy (ClusterNetworkPolicy): `ADMIN` is evaluated
 * before every namespace's NetworkPolicy and cannot be overridden by it;
 * `BASELINE` after them, for traffic they leave undecided.
 */
export enum GuardrailTier {
  /** Before namespaced policies; its decisions are final. */
  ADMIN = 'Admin',
  /** After namespaced policies: a default they can override. */
  BASELINE = 'Baseline',
}

/**
 * One policy as the engine-agnostic model sees it. Renderers turn an intent
 * into the manifest of one dialect; the same intent means the same
 * connectivity in each (the README's policy section lists where engines differ).
 *
 * Semantics, as in Kubernetes: a direction listed in `ingress`/`egress` isolates
 * the selected pods in that direction; connections are then allowed only by a
 * rule of some policy. A direction left undefined is not touched.
 */
export interface PolicyIntent {
  /** The policy name (a DNS-1123 subdomain; Calico tiers prefix it). */
  readonly name: string;
  /** The namespace; undefined for a cluster-wide policy. */
  readonly namespace?: string;
  /** The pods the policy applies to. */
  readonly appliesTo: LabelSelector;
  /** For cluster-wide policies: the namespaces whose pods it applies to. */
  readonly appliesToNamespaces?: LabelSelector;
  /** Ingress rules, in order; undefined leaves ingress alone, empty denies it. */
  readonly ingress?: readonly Rule[];
  /** Egress rules, in order; undefined leaves egress alone, empty denies it. */
  readonly egress?: readonly Rule[];
  /** The Calico tier. */
  readonly tier?: string;
  /** The Calico order within the tier (lower first). */
  readonly order?: number;
  /**
   * Whether the listed directions isolate the selected pods (Kubernetes
   * semantics). `false` makes a guardrail: its rules decide what they match
   * and everything else is left to other policies (Calico: a final Pass rule;
   * Cilium: `enableDefaultDeny: false`). Kubernetes NetworkPolicy always isolates.
   */
  readonly isolate: boolean;
  /** Emit as a staged (observe-only) policy. */
  readonly staged: boolean;
  /** Labels to put on the rendered object. */
  readonly labels: { readonly [key: string]: string };
  /**
   * For cluster-wide intents rendered as ClusterNetworkPolicy: its tier.
   * @default GuardrailTier.ADMIN
   */
  readonly guardrailTier?: GuardrailTier;
  /**
   * Render a cluster-wide intent as upstream `policy.networking.k8s.io/v1alpha2`
   * ClusterNetworkPolicy instead of the engine's own kind.
   * @default false
   */
  readonly clusterNetworkPolicy?: boolean;
}

/** The label every object created by this library carries. */
export const CREATED_BY_LABEL = { 'app.kubernetes.io/created-by': 'eks-zero-trust' } as const;
