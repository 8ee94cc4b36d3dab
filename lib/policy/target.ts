/**
 * What a cluster's policy engine can enforce. The policy layer renders for a
 * `PolicyTarget` and refuses intents the target cannot enforce. This module
 * is pure: it does not load aws-cdk-lib, so GitOps users and the CLI can use it.
 */

/** The manifest dialect a target is rendered to. */
export enum PolicyDialect {
  /** `networking.k8s.io/v1` NetworkPolicy. */
  KUBERNETES = 'kubernetes',
  /** Calico `projectcalico.org/v3` policies, tiers and network sets. */
  CALICO = 'calico',
  /** Cilium `cilium.io/v2` policies. */
  CILIUM = 'cilium',
}

/** A feature an intent may need from the engine. */
export enum PolicyFeature {
  /** HTTP method and path rules (L7). */
  L7_HTTP = 'L7 HTTP rules',
  /** Egress to fully qualified domain names. */
  FQDN = 'FQDN (DNS name) egress rules',
  /** Explicit deny rules. */
  DENY = 'Deny rules',
  /** Log actions. */
  LOG = 'Log actions',
  /** Pass actions (hand the decision to the next tier). */
  PASS = 'Pass actions',
  /** Ordered policy tiers. */
  TIERS = 'policy tiers',
  /** Staged (observe-only) policies. */
  STAGED = 'staged policies',
  /** Cluster-wide policies. */
  CLUSTER_WIDE = 'cluster-wide policies',
  /** Kubernetes services as peers. */
  SERVICE_PEERS = 'Kubernetes services as peers',
  /** Upstream `policy.networking.k8s.io/v1alpha2` ClusterNetworkPolicy. */
  CLUSTER_NETWORK_POLICY = 'ClusterNetworkPolicy (policy.networking.k8s.io)',
  /** Amazon EKS `networking.k8s.aws/v1alpha1` ClusterNetworkPolicy (admin policies of the VPC CNI). */
  AMAZON_CLUSTER_NETWORK_POLICY = 'Amazon EKS ClusterNetworkPolicy (networking.k8s.aws)',
  /** ICMP and ICMPv6 rules. */
  ICMP = 'ICMP rules',
}

/**
 * A policy engine as the policy layer sees it: its dialect and what it enforces.
 * Closed presets; obtain one from `PolicyEngine.target` on the cluster side,
 * or pick a preset directly for GitOps output.
 */
export class PolicyTarget {
  /** Plain Kubernetes NetworkPolicy, for any conformant engine. */
  public static readonly KUBERNETES = new PolicyTarget('Kubernetes NetworkPolicy', PolicyDialect.KUBERNETES, []);

  /**
   * The Amazon VPC CNI's network policy agent: Kubernetes NetworkPolicy, and
   * cluster-wide guardrails as Amazon EKS ClusterNetworkPolicy (VPC CNI 1.21.1+).
   */
  public static readonly VPC_CNI = new PolicyTarget('Amazon VPC CNI network policy', PolicyDialect.KUBERNETES, [PolicyFeature.AMAZON_CLUSTER_NETWORK_POLICY]);

  /** Calico open source in policy-only mode. */
  public static readonly CALICO = new PolicyTarget('Calico', PolicyDialect.CALICO, [
    PolicyFeature.DENY, PolicyFeature.LOG, PolicyFeature.PASS, PolicyFeature.TIERS,
    PolicyFeature.STAGED, PolicyFeature.CLUSTER_WIDE, PolicyFeature.SERVICE_PEERS,
    PolicyFeature.CLUSTER_NETWORK_POLICY, PolicyFeature.ICMP,
  ]);

  /**
   * Calico, with namespaced intents written as portable Kubernetes
   * NetworkPolicy (staged ones as Calico `StagedKubernetesNetworkPolicy`).
   */
  public static readonly CALICO_PORTABLE = new PolicyTarget('Calico (Kubernetes NetworkPolicy dialect)', PolicyDialect.KUBERNETES, [
    PolicyFeature.STAGED, PolicyFeature.CLUSTER_NETWORK_POLICY,
  ]);

  /** Cilium owning the datapath (ENI mode): L3-L7. */
  public static readonly CILIUM = new PolicyTarget('Cilium (ENI mode)', PolicyDialect.CILIUM, [
    PolicyFeature.L7_HTTP, PolicyFeature.FQDN, PolicyFeature.DENY, PolicyFeature.CLUSTER_WIDE, PolicyFeature.SERVICE_PEERS,
    PolicyFeature.CLUSTER_NETWORK_POLICY, PolicyFeature.ICMP,
  ]);

  /**
   * Cilium chained on the VPC CNI. Cilium's docs state that L7 and FQDN
   * policies are not enforced in aws-cni chaining mode.
   */
  public static readonly CILIUM_CHAINING = new PolicyTarget('Cilium (aws-cni chaining mode)', PolicyDialect.CILIUM, [
    PolicyFeature.DENY, PolicyFeature.CLUSTER_WIDE, PolicyFeature.SERVICE_PEERS,
    PolicyFeature.CLUSTER_NETWORK_POLICY, PolicyFeature.ICMP,
  ]);

  private static readonly ALL = [
    PolicyTarget.KUBERNETES, PolicyTarget.VPC_CNI, PolicyTarget.CALICO, PolicyTarget.CALICO_PORTABLE, PolicyTarget.CILIUM, PolicyTarget.CILIUM_CHAINING,
  ];

  private readonly features: ReadonlySet<PolicyFeature>;

  private constructor(
    /** A human-readable name, used in messages. */
    public readonly displayName: string,
    /** The manifest dialect. */
    public readonly dialect: PolicyDialect,
    features: readonly PolicyFeature[],
  ) {
    this.features = new Set(features);
  }

  /** Whether this target enforces `feature`. */
  public supports(feature: PolicyFeature): boolean {
    return this.features.has(feature);
  }

  /** The names of the targets that do enforce `feature`, for error messages. */
  public static targetsSupporting(feature: PolicyFeature): string[] {
    return PolicyTarget.ALL.filter((t) => t.supports(feature)).map((t) => t.displayName);
  }
}
