import { Duration } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
import { Construct, IDependable } from 'constructs';
import { deepMerge, JsonObject } from '../../core/merge';
import { CalicoOptions } from '../policy-engine';
import { CALICO_CHARTS } from '../versions';

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

/**
 * Installs Calico: the CRD chart as its own release, then the operator, then
 * waits for the Calico API server that serves `projectcalico.org/v3`.
 * Returns what policy manifests must wait for.
 */
export function installCalico(scope: Construct, cluster: eks.ICluster, chartVersion: string, options: CalicoOptions, after: IDependable[]): Construct[] {
  const timeout = options.timeout ?? Duration.minutes(10);
  const crds = new eks.HelmChart(scope, 'CalicoCrds', {
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
  // The operator is ready before the API server it deploys. Reading the
  // APIService's Available condition makes CloudFormation wait until the
  // aggregated API exists, so projectcalico.org/v3 manifests can be applied.
  const apiServer = new eks.KubernetesObjectValue(scope, 'CalicoApiServerReady', {
    cluster,
    objectType: 'apiservice',
    objectName: 'v3.projectcalico.org',
    jsonPath: '.status.conditions[?(@.type=="Available")].status',
    timeout,
  });
  apiServer.node.addDependency(operator);
  return [crds, operator, apiServer];
}
