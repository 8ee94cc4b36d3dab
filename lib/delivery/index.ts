export * from './gitops';
export * from './policy-delivery';
export { HELM_RELEASE_STORAGE_LIMIT, writeHelmChartDir, type HelmChartDir } from './helm-chart-dir';
export { chartObjects, toYaml } from './manifest-set';
export { PolicyManifests } from './policy-manifests';
