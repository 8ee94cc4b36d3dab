/**
 * Chart names, repositories, namespaces and default versions of every
 * component this library installs. Docs and tests refer to these.
 */

/** Calico open source, installed by the Tigera operator. */
export const CALICO_CHARTS = {
  /** The Helm repository of Calico's charts. */
  repository: 'https://docs.tigera.io/calico/charts',
  /** The chart that holds Calico's CRDs (separate from the operator chart since 3.32). */
  crdChart: 'crd.projectcalico.org.v1',
  /** The operator chart. */
  operatorChart: 'tigera-operator',
  /** The namespace of the operator. */
  namespace: 'tigera-operator',
  /** The default Calico version (chart versions carry a leading "v"). */
  defaultVersion: '3.32.1',
  /** Helm release names. */
  crdRelease: 'calico-crds',
  operatorRelease: 'calico',
  /** The aggregated API the Calico API server serves (projectcalico.org/v3 policies). */
  apiService: 'v3.projectcalico.org',
  /** The CRD the operator chart's Installation resource needs first. */
  installationCrd: 'installations.operator.tigera.io',
} as const;

/**
 * Bytes that Helm stores for one release of the `crd.projectcalico.org.v1`
 * chart (the release as JSON, gzipped, base64-encoded: what goes into the
 * release Secret, whose limit is 1 MiB), by chart version. Measured from the
 * pinned chart with `helm install --dry-run=client -o json`, its time stamps
 * set to one fixed value (their text moves the size by a few bytes from run
 * to run); `.ci/run` (scripts/render-charts.js) measures it again and fails
 * if it changed.
 */
export const CALICO_CRD_RELEASE_BYTES: { readonly [chartVersion: string]: number } = {
  'v3.32.1': 944_204,
};

/** Cilium. */
export const CILIUM_CHART = {
  /** The Helm repository. */
  repository: 'https://helm.cilium.io',
  /** The chart name. */
  chart: 'cilium',
  /** The namespace Cilium runs in. */
  namespace: 'kube-system',
  /** The default chart version. */
  defaultVersion: '1.19.4',
  /** The Helm release name. */
  release: 'cilium',
  /** The service account name of the operator (IRSA in ENI mode). */
  operatorServiceAccount: 'cilium-operator',
  /** The CRDs policies need; the operator registers them once it runs. */
  policyCrds: ['ciliumnetworkpolicies.cilium.io', 'ciliumclusterwidenetworkpolicies.cilium.io'],
} as const;

/** The CRD of upstream `policy.networking.k8s.io` ClusterNetworkPolicy (network-policy-api v0.2.0). */
export const CLUSTER_NETWORK_POLICY_CRD = 'clusternetworkpolicies.policy.networking.k8s.io';

/** The Amazon VPC CNI, managed as an EKS add-on. */
export const VPC_CNI_ADDON = {
  /** The EKS add-on name. */
  addonName: 'vpc-cni',
  /** The DaemonSet that runs the CNI. */
  daemonSet: 'aws-node',
  /** Its namespace. */
  namespace: 'kube-system',
  /**
   * The first add-on version whose agent enforces the Amazon EKS
   * `networking.k8s.aws` ClusterNetworkPolicy (admin policies) on EC2 nodes.
   * Source: AWS, "Amazon EKS enhanced network policies" (December 2025):
   * Kubernetes 1.29+ and VPC CNI v1.21.1+.
   */
  clusterNetworkPolicyMinVersion: '1.21.1',
} as const;

/** EKS add-ons the secured cluster manages besides the VPC CNI. */
export const CORE_ADDONS = {
  /** CoreDNS, the cluster DNS. */
  coreDns: 'coredns',
  /** kube-proxy. */
  kubeProxy: 'kube-proxy',
  /** The Deployment that runs CoreDNS on EKS. */
  coreDnsDeployment: 'coredns',
} as const;

/** Time limits. The kubectl provider is a Lambda function with a 15-minute ceiling. */
export const INSTALL_TIMEOUT_MINUTES = 10;
