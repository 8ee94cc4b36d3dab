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
} as const;

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
} as const;

/** The Amazon VPC CNI, managed as an EKS add-on. */
export const VPC_CNI_ADDON = {
  /** The EKS add-on name. */
  addonName: 'vpc-cni',
  /** The DaemonSet that runs the CNI. */
  daemonSet: 'aws-node',
  /** Its namespace. */
  namespace: 'kube-system',
} as const;

/** Time limits. The kubectl provider is a Lambda function with a 15-minute ceiling. */
export const INSTALL_TIMEOUT_MINUTES = 10;
