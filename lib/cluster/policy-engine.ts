import { Duration } from 'aws-cdk-lib';
import { JsonObject } from '../core/merge';
import { PolicyTarget } from '../policy/target';
import { CALICO_CHARTS, CILIUM_CHART } from './versions';

/** The kind of policy engine. */
export enum PolicyEngineKind {
  /** Calico in policy-only mode on top of the VPC CNI. */
  CALICO = 'calico',
  /** Cilium, chained on the VPC CNI or owning the datapath in ENI mode. */
  CILIUM = 'cilium',
  /** The VPC CNI's own network policy agent. */
  VPC_CNI = 'vpc-cni',
}

/** Options shared by the Helm-installed engines. */
export interface HelmEngineOptions {
  /**
   * The chart version to install, pinned.
   * @default - the version in `CALICO_CHARTS.defaultVersion` or `CILIUM_CHART.defaultVersion`
   */
  readonly version?: string;
  /**
   * Raw Helm values, deep-merged last over the values this library computes.
   * The escape hatch for settings without a typed option.
   * @default - no extra values
   */
  readonly values?: { [key: string]: unknown };
  /**
   * How long Helm may wait for the release to become ready. At most 15 minutes,
   * the ceiling of the kubectl provider's Lambda function.
   * @default Duration.minutes(10)
   */
  readonly timeout?: Duration;
}

/** Options for Calico. */
export interface CalicoOptions extends HelmEngineOptions {
  /**
   * Deploy Goldmane (flow aggregation) and Whisker (flow log UI). The
   * recommender reads the flows Goldmane serves.
   * @default false
   */
  readonly flowLogs?: boolean;
  /**
   * How the CRDs are installed. A version whose CRD release size is not
   * measured (CALICO_CRD_RELEASE_BYTES) gets a synth warning; one measured
   * over Helm's 1 MiB is a synth error with `EXTERNAL` as the fix.
   * @default CalicoCrdInstall.HELM_RELEASE
   */
  readonly crds?: CalicoCrdInstall;
}

/** How Cilium attaches to the node network. */
export enum CiliumMode {
  /**
   * Chained on the VPC CNI (`cni.chainingMode=aws-cni`): the VPC CNI keeps IP
   * management and routing, Cilium enforces L3/L4 policy. L7 and FQDN policies
   * are not enforced in this mode.
   */
  CHAINING = 'chaining',
  /**
   * Cilium owns the datapath and allocates ENI IPs itself (`eni.enabled=true`);
   * the VPC CNI is disabled, nodes carry the `node.cilium.io/agent-not-ready`
   * taint until Cilium is ready, and the operator gets EC2 permissions via IRSA.
   */
  ENI = 'eni',
}

/** Options for Cilium. */
export interface CiliumOptions extends HelmEngineOptions {
  /**
   * How Cilium attaches to the node network.
   * @default CiliumMode.CHAINING
   */
  readonly mode?: CiliumMode;
  /**
   * Deploy Hubble Relay (cluster-wide flow API, read by `hubble observe`).
   * @default false
   */
  readonly hubbleRelay?: boolean;
  /**
   * Deploy the Hubble UI (implies Hubble Relay).
   * @default false
   */
  readonly hubbleUi?: boolean;
  /**
   * Policy audit mode: policy verdicts are logged, never enforced. Cilium's
   * counterpart of Calico's staged policies; a cluster-wide engine setting.
   * @default false
   */
  readonly policyAuditMode?: boolean;
  /**
   * SCTP support (`sctp.enabled`, off in the cilium 1.19.4 chart's
   * values.yaml). Policies with SCTP ports need it: delivering one to a
   * Cilium without it is a synth error.
   * @default false
   */
  readonly sctp?: boolean;
  /**
   * Chaining mode: the pool each node's `cilium_host` address is taken from
   * (`ipam.operator.clusterPoolIPv4PodCIDRList`). Pods keep their VPC
   * addresses. It must not overlap the VPC: the chart's default 10.0.0.0/8
   * does for most EKS VPCs.
   * @default - the first of CILIUM_CHAINING_POOL_CANDIDATES that overlaps no known VPC block
   */
  readonly chainingPoolCidr?: string;
  /**
   * Enforce upstream `policy.networking.k8s.io` ClusterNetworkPolicy
   * (`k8sClusterNetworkPolicy.enabled`, Cilium 1.20+). Its CRD
   * (kubernetes-sigs/network-policy-api v0.2.0, standard channel) must be
   * installed; deliveries wait until it is established.
   * @default false
   */
  readonly clusterNetworkPolicy?: boolean;
}

/** Options for the VPC CNI's native network policy. */
export interface VpcCniOptions {
  /**
   * The EKS add-on version, e.g. `v1.20.4-eksbuild.1`.
   * @default - the default version EKS picks for the cluster
   */
  readonly addonVersion?: string;
  /**
   * Log every policy verdict of the node agent (`nodeAgent.enablePolicyEventLogs`).
   * @default false
   */
  readonly policyEventLogs?: boolean;
  /**
   * Strict enforcing mode: new pods start denied until their policies are
   * resolved (`NETWORK_POLICY_ENFORCING_MODE=strict`), instead of allowed.
   * @default false
   */
  readonly strictMode?: boolean;
  /**
   * Raw add-on configuration values, deep-merged last.
   * @default - no extra values
   */
  readonly configurationValues?: { [key: string]: unknown };
}

/** How Calico's CRDs reach the cluster. */
export enum CalicoCrdInstall {
  /**
   * The `crd.projectcalico.org.v1` chart as its own Helm release. Helm keeps
   * the whole release (gzip + base64) in one Secret of at most 1 MiB; the
   * CRDs of 3.32.1 take 944,204 bytes of it (CALICO_CRD_RELEASE_BYTES).
   */
  HELM_RELEASE = 'helm-release',
  /**
   * Installed outside Helm, as Calico's chart README does:
   * `helm template calico-crds projectcalico/crd.projectcalico.org.v1 --version vX | kubectl apply --server-side -f -`,
   * for example by a pipeline step before `cdk deploy`. The operator waits
   * until the Installation CRD is established (up to the install timeout).
   */
  EXTERNAL = 'external',
}

/**
 * The one network policy engine of a cluster. An enum-like class: pick
 * `PolicyEngine.calico()`, `PolicyEngine.cilium()` or `PolicyEngine.vpcCni()`.
 */
export class PolicyEngine {
  /** Calico in policy-only mode on the VPC CNI, installed by the Tigera operator. */
  public static calico(options: CalicoOptions = {}): PolicyEngine {
    return new PolicyEngine(PolicyEngineKind.CALICO, options.version ?? CALICO_CHARTS.defaultVersion, options, {}, {});
  }

  /** Cilium, chained on the VPC CNI by default. */
  public static cilium(options: CiliumOptions = {}): PolicyEngine {
    return new PolicyEngine(PolicyEngineKind.CILIUM, options.version ?? CILIUM_CHART.defaultVersion, {}, options, {});
  }

  /** The VPC CNI's own network policy agent: Kubernetes NetworkPolicy, no Helm chart. */
  public static vpcCni(options: VpcCniOptions = {}): PolicyEngine {
    return new PolicyEngine(PolicyEngineKind.VPC_CNI, options.addonVersion ?? 'default', {}, {}, options);
  }

  private constructor(
    /** Which engine. */
    public readonly kind: PolicyEngineKind,
    /** The chart or add-on version, as given (validated at install). */
    public readonly version: string,
    /** @internal */ public readonly _calico: CalicoOptions,
    /** @internal */ public readonly _cilium: CiliumOptions,
    /** @internal */ public readonly _vpcCni: VpcCniOptions,
  ) {}

  /** What the engine enforces, for the policy layer. */
  public get target(): PolicyTarget {
    switch (this.kind) {
      case PolicyEngineKind.CALICO: return PolicyTarget.CALICO;
      case PolicyEngineKind.VPC_CNI: return PolicyTarget.VPC_CNI;
      case PolicyEngineKind.CILIUM:
        return (this._cilium.mode ?? CiliumMode.CHAINING) === CiliumMode.ENI ? PolicyTarget.CILIUM : PolicyTarget.CILIUM_CHAINING;
    }
  }

  /** Raw Helm values or add-on configuration given by the user. @internal */
  public get _rawValues(): JsonObject | undefined {
    return this._calico.values ?? this._cilium.values ?? this._vpcCni.configurationValues;
  }
}
