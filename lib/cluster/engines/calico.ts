import { Duration } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
import { Construct, IConstruct, IDependable } from 'constructs';
import { deepMerge, JsonObject } from '../../core/merge';
import { CalicoCrdInstall, CalicoOptions } from '../policy-engine';
import { CALICO_CHARTS } from '../versions';
import { ReadinessCheck } from './readiness';

/** The tigera-operator values for Calico in policy-only mode on EKS. */
export function calicoValues(options: CalicoOptions): JsonObject {
  const flowLogs = options.flowLogs ?? false;
  const computed: JsonObject = {
    installation: {
      enabled: true,
      kubernetesProvider: 'EKS',
      cni: { type: 'AmazonVPC' },
      calicoNetwork: { bgp: 'Disabled' },
    },
    apiServer: { enabled: true },
    goldmane: { enabled: flowLogs },
    whisker: { enabled: flowLogs },
  };
  return deepMerge(computed, options.values);
}

/** What installing Calico created. */
export interface CalicoInstallation {
  /** The CRD release (unless external) and the operator. */
  readonly datapath: IConstruct[];
  /** The wait for the Calico API server that serves `projectcalico.org/v3`. */
  readonly apiServerReady: IConstruct;
}

/**
 * Installs Calico: the CRDs (a release of their own, or a wait for CRDs
 * installed outside Helm), then the operator, then waits for the Calico API
 * server that serves `projectcalico.org/v3`.
 */
export function installCalico(scope: Construct, cluster: eks.ICluster, chartVersion: string, options: CalicoOptions, after: IDependable[]): CalicoInstallation {
  const timeout = options.timeout ?? Duration.minutes(10);
  let crds: IConstruct;
  if ((options.crds ?? CalicoCrdInstall.HELM_RELEASE) === CalicoCrdInstall.HELM_RELEASE) {
    crds = new eks.HelmChart(scope, 'CalicoCrds', {
      cluster,
      chart: CALICO_CHARTS.crdChart,
      repository: CALICO_CHARTS.repository,
      version: chartVersion,
      namespace: CALICO_CHARTS.namespace,
      release: CALICO_CHARTS.crdRelease,
      createNamespace: true,
      wait: true,
      timeout,
    });
  } else {
    crds = ReadinessCheck.crdEstablished(CALICO_CHARTS.installationCrd).waitOn(scope, 'CalicoCrdsReady', cluster, timeout);
  }
  after.forEach((d) => crds.node.addDependency(d));
  const operator = new eks.HelmChart(scope, 'CalicoOperator', {
    cluster,
    chart: CALICO_CHARTS.operatorChart,
    repository: CALICO_CHARTS.repository,
    version: chartVersion,
    namespace: CALICO_CHARTS.namespace,
    release: CALICO_CHARTS.operatorRelease,
    createNamespace: true,
    skipCrds: true,
    wait: true,
    timeout,
    values: calicoValues(options),
  });
  operator.node.addDependency(crds);
  // The operator is ready before the API server it deploys: wait until the
  // aggregated API is Available, so projectcalico.org/v3 objects can be applied.
  const apiServerReady = ReadinessCheck.apiServiceAvailable(CALICO_CHARTS.apiService).waitOn(scope, 'CalicoApiServerReady', cluster, timeout);
  apiServerReady.node.addDependency(operator);
  return { datapath: [crds, operator], apiServerReady };
}
