import { createHash } from 'crypto';
import { Annotations, Duration } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { fail, Problems } from '../core/errors';
import { dns1123LabelError, toDnsLabel } from '../core/names';
import { clusterRegistry, namespaceCreatedBy } from '../cluster/cluster-registry';
import { PolicyEngineKind } from '../cluster/policy-engine';
import { VPC_CNI_ADDON } from '../cluster/versions';
import { PolicyEngineInstallation } from '../cluster/policy-engine-installation';
import { IpFamily } from '../core/cidr';
import { markDelivered } from '../policy/constructs/delivered';
import { ClusterNetwork } from '../policy/network';
import { internetExclusions } from '../policy/peer';
import { KubeObject } from '../manifests/types';
import { collectWarnings } from '../policy/constructs/emit';
import { PolicyChart } from '../policy/constructs/policy-chart';
import { PolicyTarget } from '../policy/target';
import { HELM_RELEASE_STORAGE_LIMIT, writeHelmChartDir } from './helm-chart-dir';
import { chartObjects, isFoundation } from './manifest-set';

/** How policy charts reach the cluster. */
export enum DeliveryMethod {
  /**
   * Helm charts uploaded as S3 assets and installed by the cluster's kubectl
   * handler. The CloudFormation template holds only the asset's address, so
   * its size does not grow with the number of namespaces.
   */
  HELM_CHART_ASSET = 'helm-chart-asset',
  /**
   * Manifests inline in the template, one custom resource per chart (what
   * `cluster.addCdk8sChart` does). About 1.3 KB of template per tenant
   * namespace: fine for a few charts, not for hundreds of tenants.
   */
  INLINE_MANIFEST = 'inline-manifest',
}

/** Options of a `PolicyDelivery`. */
export interface PolicyDeliveryOptions {
  /** The cdk8s charts to deliver. Create the delivery after the charts are complete. */
  readonly charts: readonly Chart[];
  /**
   * How the charts reach the cluster.
   * @default DeliveryMethod.HELM_CHART_ASSET
   */
  readonly method?: DeliveryMethod;
  /**
   * The Helm release name prefix (HELM_CHART_ASSET); the foundation release
   * adds `-foundation`, shards `-1`, `-2`, ... Releases are per cluster: two
   * deliveries with one name would replace (and on delete remove) each
   * other's policies, so a name used twice on one cluster is a synth error.
   * @default - derived from the construct path, unique in the app (at most 40 characters)
   */
  readonly release?: string;
  /**
   * The namespace that stores the Helm release records.
   * @default 'kube-system'
   */
  readonly releaseNamespace?: string;
  /**
   * Into how many Helm releases the namespaced policies are split, by a
   * stable hash of the namespace name. Kubernetes stores each release in one
   * Secret of at most 1 MiB and the kubectl handler runs at most 15 minutes,
   * so very large clusters need several; synth fails with the number needed.
   * Changing it later moves namespaces between releases, so pick it once.
   * @default 1
   */
  readonly shards?: number;
  /**
   * How long each release may take to apply.
   * @default Duration.minutes(10)
   */
  readonly timeout?: Duration;
}

/** Properties of a `PolicyDelivery`. */
export interface PolicyDeliveryProps extends PolicyDeliveryOptions {
  /** The cluster to deliver to. */
  readonly cluster: eks.ICluster;
}

/**
 * Applies policy charts to a cluster after its policy engine is ready (for
 * Calico: CRDs, operator and API server). Namespaces, tiers and RBAC go in a
 * first release, policies in a second (or several), so a policy never
 * arrives before the tier or namespace it needs, and within a namespace the
 * allowances come before the default deny.
 */
export class PolicyDelivery extends Construct {
  /** The policy deliveries in `scope` and under it (nested stacks included), in construct order. */
  public static allIn(scope: IConstruct): PolicyDelivery[] {
    return scope.node.findAll().filter((c): c is PolicyDelivery => c instanceof PolicyDelivery);
  }

  /** The Helm releases, foundation first (HELM_CHART_ASSET). */
  public readonly releases: eks.HelmChart[] = [];
  /** The inline manifests (INLINE_MANIFEST). */
  public readonly manifests: eks.KubernetesManifest[] = [];
  /**
   * What this delivery applies, per Helm release (or per inline manifest),
   * in order: the readable content behind the chart assets (see PolicyManifests).
   */
  public readonly delivered: { readonly name: string; readonly objects: readonly KubeObject[] }[] = [];
  /** The cluster the policies go to. */
  public readonly cluster: eks.ICluster;

  constructor(scope: Construct, id: string, props: PolicyDeliveryProps) {
    super(scope, id);
    this.cluster = props.cluster;
    const method = props.method ?? DeliveryMethod.HELM_CHART_ASSET;
    const release = props.release ?? defaultReleaseName(this.node.path);
    const shards = props.shards ?? 1;
    const timeout = props.timeout ?? Duration.minutes(10);
    const problems = new Problems();
    if (props.charts.length === 0) problems.add({ path: this.node.path, property: 'charts', value: [], problem: 'is empty', fix: 'pass the cdk8s charts that hold the policies' });
    const releaseError = dns1123LabelError(release) ?? (release.length > 40 ? 'is longer than 40 characters, leaving no room for release suffixes' : undefined);
    if (releaseError) problems.add({ path: this.node.path, property: 'release', value: release, problem: releaseError, fix: 'use a short DNS-1123 label such as "tenant-policies"' });
    if (!Number.isInteger(shards) || shards < 1 || shards > 100) problems.add({ path: this.node.path, property: 'shards', value: shards, problem: 'is not a whole number from 1 to 100', fix: 'use 1, or the number synth asks for' });
    if (timeout.toSeconds() > 900) problems.add({ path: this.node.path, property: 'timeout', value: timeout.toHumanString(), problem: 'is over the 15 minutes a kubectl handler invocation may run', fix: 'use at most Duration.minutes(15), and more shards for large sets' });
    const installation = PolicyEngineInstallation.of(props.cluster);
    for (const chart of props.charts) checkTarget(chart, installation, this.node.path, problems);
    const registry = clusterRegistry(props.cluster);
    if (method === DeliveryMethod.HELM_CHART_ASSET) {
      const owner = registry.releases.get(release);
      if (owner) problems.add({ path: this.node.path, property: 'release', value: release, problem: `is already used on this cluster by ${owner}; one release would replace the other's policies, and deleting one would remove both`, fix: 'give each delivery its own release name, or leave release unset for a name derived from the construct path' });
      else registry.releases.set(release, this.node.path);
    }
    problems.throwIfAny();

    if (!installation) {
      Annotations.of(this).addWarningV2('eks-zero-trust:no-policy-engine', `${this.node.path}: the cluster has no PolicyEngineInstallation in this app, so nothing orders these policies after the engine. Kubernetes accepts NetworkPolicy without an engine and enforces nothing; make sure an engine runs.`);
    }
    for (const chart of props.charts) {
      for (const w of collectWarnings(chart)) Annotations.of(this).addWarningV2(w.id, w.message);
    }
    // Rendering a chart is the costly step at thousands of namespaces: once per chart.
    const rendered = props.charts.map((chart) => ({ chart, objects: chartObjects(chart) }));
    this.claimObjects(registry.objects, rendered);
    for (const { chart } of rendered) {
      markDelivered(chart, this.node.path);
      const count = chart.node.findAll().length;
      this.node.addValidation({ validate: () => (chart.node.findAll().length === count ? [] : [`${this.node.path}: chart "${chart.node.id}" got ${chart.node.findAll().length - count} construct(s) after it was delivered, which never reach the cluster. Fix: add every object to the chart before passing it to addPolicies / PolicyDelivery`]) });
    }
    if (installation) {
      checkEngineFeatures(this, installation, rendered.flatMap((r) => r.objects));
      for (const { chart } of rendered) checkChartNetwork(this.node.path, chart, installation);
    }
    const ready = installation?.ready;
    if (method === DeliveryMethod.INLINE_MANIFEST) {
      for (const { chart, objects } of rendered) {
        const manifest = new eks.KubernetesManifest(this, `Chart-${chart.node.id}`, { cluster: props.cluster, manifest: objects as unknown as Record<string, unknown>[] });
        this.delivered.push({ name: `${release}/${chart.node.id}`, objects });
        if (ready) manifest.node.addDependency(ready);
        for (const o of objects) if (o.kind === 'Namespace' && o.metadata.name) namespaceCreatedBy(props.cluster, o.metadata.name, manifest);
        this.manifests.push(manifest);
      }
      return;
    }

    const objects = rendered.flatMap((r) => r.objects);
    const foundation = objects.filter(isFoundation);
    const policies = objects.filter((o) => !isFoundation(o));
    const groups: { name: string; members: KubeObject[]; isFoundation: boolean }[] = [{ name: `${release}-foundation`, members: foundation, isFoundation: true }];
    for (let i = 0; i < shards; i++) groups.push({ name: shards === 1 ? release : `${release}-${i + 1}`, members: [], isFoundation: false });
    for (const policy of policies) groups[1 + shardOf(policy.metadata.namespace, shards)].members.push(policy);
    let foundationRelease: eks.HelmChart | undefined;
    for (const { name, members, isFoundation: isFoundationRelease } of groups) {
      if (members.length === 0) continue;
      this.delivered.push({ name, objects: members });
      const dir = writeHelmChartDir(name, members);
      if (dir.storedBytes > HELM_RELEASE_STORAGE_LIMIT * 0.9) {
        const needed = Math.ceil(shards * dir.storedBytes / (HELM_RELEASE_STORAGE_LIMIT * 0.6));
        fail({ path: this.node.path, property: 'shards', value: shards, problem: `makes release "${name}" about ${dir.storedBytes} bytes in Helm's release Secret, over 90% of the 1 MiB limit (${members.length} objects)`, fix: `set shards to ${Math.max(needed, shards + 1)} or more` });
      }
      const asset = new Asset(this, isFoundationRelease ? 'FoundationChart' : `PolicyChart-${name}`, { path: dir.directory });
      const chart = new eks.HelmChart(this, isFoundationRelease ? 'Foundation' : `Policies-${name}`, {
        cluster: props.cluster,
        chartAsset: asset,
        release: name,
        namespace: props.releaseNamespace ?? 'kube-system',
        wait: false,
        atomic: false,
        timeout,
      });
      if (ready) chart.node.addDependency(ready);
      if (isFoundationRelease) {
        foundationRelease = chart;
        for (const o of members) if (o.kind === 'Namespace' && o.metadata.name) namespaceCreatedBy(props.cluster, o.metadata.name, chart);
      } else if (foundationRelease) {
        chart.node.addDependency(foundationRelease);
      }
      this.releases.push(chart);
    }
  }

  /**
   * Claims every object of the charts for this delivery on the cluster. The
   * same namespace or policy delivered twice would be owned by two releases,
   * each replacing (and on delete removing) the other's copy.
   */
  private claimObjects(claimed: Map<string, string>, rendered: readonly { chart: Chart; objects: readonly KubeObject[] }[]): void {
    const problems = new Problems();
    const mine = new Map<string, string>();
    for (const { chart, objects } of rendered) {
      for (const o of objects) {
        const key = `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name ?? ''}`;
        const here = `chart "${chart.node.id}"`;
        const other = mine.get(key) ?? claimed.get(key);
        if (other) problems.add({ path: this.node.path, property: key, value: chart.node.id, problem: `is delivered twice to the cluster: by ${here} and by ${other}`, fix: 'manage each namespace and policy in one chart of one delivery' });
        else mine.set(key, `${here} of ${this.node.path}`);
      }
    }
    problems.throwIfAny();
    for (const [key, owner] of mine) claimed.set(key, owner);
  }
}

/**
 * A Helm release name from a construct path: a DNS-1123 label of at most 40
 * characters (Helm allows 53; the foundation release adds 11), the path
 * shortened with a hash of it when longer, so it stays unique in the app.
 */
export function defaultReleaseName(path: string): string {
  const label = toDnsLabel(path, Infinity) || 'policies';
  if (label.length <= 40) return label;
  const hash = createHash('sha256').update(path).digest('hex').slice(0, 8);
  return `${label.slice(0, 31).replace(/-$/, '')}-${hash}`;
}

/** The shard of a namespace: a stable FNV-1a hash, so adding namespaces never moves others. */
export function shardOf(namespace: string | undefined, shards: number): number {
  if (shards === 1 || namespace === undefined) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < namespace.length; i++) {
    hash ^= namespace.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/** The stable ids of the delivery's warnings. */
export const DELIVERY_WARNINGS = {
  vpcCniVersionUnknown: 'eks-zero-trust:vpc-cni-version-unknown',
  vpcCniServicePort: 'eks-zero-trust:vpc-cni-service-port',
  vpcCniOwnerlessPod: 'eks-zero-trust:vpc-cni-ownerless-pod',
} as const;

const objectName = (o: KubeObject) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name ?? ''}`;

/** Objects whose meaning needs an engine setting or version the cluster does not have. */
function checkEngineFeatures(scope: Construct, installation: PolicyEngineInstallation, objects: readonly KubeObject[]): void {
  const path = scope.node.path;
  const engine = installation.engine;
  const problems = new Problems();
  if (engine.kind === PolicyEngineKind.CILIUM && !engine._cilium.sctp) {
    const sctp = objects.find((o) => JSON.stringify(o.spec ?? {}).includes('"SCTP"'));
    if (sctp) problems.add({ path, property: objectName(sctp), value: 'SCTP', problem: 'has SCTP ports, which Cilium handles only with sctp.enabled (off by default)', fix: 'install Cilium with PolicyEngine.cilium({ sctp: true })' });
  }
  const upstream = objects.find((o) => o.kind === 'ClusterNetworkPolicy' && o.apiVersion.startsWith('policy.networking.k8s.io/'));
  if (upstream && engine.kind === PolicyEngineKind.CILIUM && !engine._cilium.clusterNetworkPolicy) {
    problems.add({ path, property: objectName(upstream), value: upstream.apiVersion, problem: 'is a ClusterNetworkPolicy, which Cilium ignores unless k8sClusterNetworkPolicy is enabled (1.20+)', fix: 'install Cilium 1.20 with PolicyEngine.cilium({ clusterNetworkPolicy: true }), or render a CiliumClusterwideNetworkPolicy' });
  }
  if (upstream && engine.kind === PolicyEngineKind.VPC_CNI) {
    problems.add({ path, property: objectName(upstream), value: upstream.apiVersion, problem: 'is an upstream ClusterNetworkPolicy, which the VPC CNI does not enforce (it enforces networking.k8s.aws ClusterNetworkPolicy)', fix: 'create the ClusterPolicy for the cluster\'s target without clusterNetworkPolicy: true' });
  }
  if (engine.kind === PolicyEngineKind.VPC_CNI) warnAboutVpcCniLimits(scope, objects);
  const amazon = objects.find((o) => o.kind === 'ClusterNetworkPolicy' && o.apiVersion.startsWith('networking.k8s.aws/'));
  if (amazon && engine.kind === PolicyEngineKind.VPC_CNI) {
    const min = VPC_CNI_ADDON.clusterNetworkPolicyMinVersion;
    const version = /^v(\d+)\.(\d+)\.(\d+)/.exec(engine.version);
    if (!version) {
      Annotations.of(scope).addWarningV2(DELIVERY_WARNINGS.vpcCniVersionUnknown, `${path}: ${objectName(amazon)} needs the vpc-cni add-on ${min} or later, and the add-on version is left to EKS; pin it with PolicyEngine.vpcCni({ addonVersion: 'v${min}-eksbuild.1' }) or later.`);
    } else if (compareVersions(version.slice(1).map(Number), min.split('.').map(Number)) < 0) {
      problems.add({ path, property: objectName(amazon), value: engine.version, problem: `is an Amazon EKS ClusterNetworkPolicy, which the VPC CNI enforces from ${min}`, fix: `use PolicyEngine.vpcCni({ addonVersion: 'v${min}-eksbuild.1' }) or later` });
    }
  }
  problems.throwIfAny();
}

/**
 * Workloads delivered with the policies that the VPC CNI's agent does not
 * match as written (EKS user guide, cni-network-policy.html "Considerations"):
 * a Service whose port differs from its target port, and a Pod without
 * owner references, to which no policy is applied.
 */
function warnAboutVpcCniLimits(scope: Construct, objects: readonly KubeObject[]): void {
  for (const o of objects) {
    if (o.kind === 'Service') {
      const ports = ((o.spec as { ports?: { port?: number; targetPort?: number | string }[] } | undefined)?.ports ?? []);
      const differing = ports.filter((p) => p.targetPort !== undefined && p.targetPort !== p.port);
      if (differing.length > 0) Annotations.of(scope).addWarningV2(DELIVERY_WARNINGS.vpcCniServicePort, `${scope.node.path}: ${objectName(o)} maps port ${differing[0].port} to ${differing[0].targetPort}; the VPC CNI matches policies only when a Service's port equals its container port (or, for named ports, the same name).`);
    }
    if (o.kind === 'Pod' && (o.metadata.ownerReferences ?? []).length === 0) {
      Annotations.of(scope).addWarningV2(DELIVERY_WARNINGS.vpcCniOwnerlessPod, `${scope.node.path}: ${objectName(o)} has no owner references; the VPC CNI applies no network policy to such a pod. Run it from a Deployment, StatefulSet, DaemonSet or Job.`);
    }
  }
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/**
 * A chart whose policies name the internet must leave out the cluster's pod
 * blocks: the VPC CNI gives pods VPC addresses, and Calico `nets` and
 * Kubernetes `ipBlock` match pod addresses (a tenant's internet egress would
 * reach another tenant's pods). RFC 1918 and 100.64.0.0/10 are left out
 * always; other VPC blocks, and an IPv6 cluster's global ones, only through
 * the chart's `network`.
 */
function checkChartNetwork(path: string, source: Chart, installation: PolicyEngineInstallation): void {
  const chart = source instanceof PolicyChart ? (source as PolicyChart) : undefined;
  if (!chart?.hasInternetPeers) return;
  const excluded = internetExclusions([], chart.network);
  const blocks = [...excluded.v4, ...excluded.v6];
  const uncovered = installation.network.podCidrs.filter((c) => !ClusterNetwork.of({ podCidrs: blocks }).covers(c));
  const problems = new Problems();
  if (uncovered.length > 0) {
    problems.add({ path, property: `chart ${chart.node.id} network`, value: uncovered, problem: 'holds pod addresses of the cluster that the chart\'s internet peers do not exclude, so "internet egress" would reach those pods', fix: 'create the PolicyChart with network: cluster.network (SecuredCluster or PolicyEngineInstallation)' });
  }
  if (installation.network.ipv6 && (chart.network?.cidrsOf(IpFamily.IPV6).length ?? 0) === 0) {
    problems.add({ path, property: `chart ${chart.node.id} network`, value: chart.network?.podCidrs ?? [], problem: 'has no IPv6 block, but the cluster is IPv6: its pods have global addresses that the internet peer would contain', fix: 'create the PolicyChart with network: ClusterNetwork.of({ podCidrs: [<the VPC\'s IPv6 block>], ipv6: true })' });
  }
  problems.throwIfAny();
}

/** Refuses a chart written for another engine than the cluster runs. */
function checkTarget(chart: Chart, installation: PolicyEngineInstallation | undefined, path: string, problems: Problems): void {
  const target = chart instanceof PolicyChart ? (chart as PolicyChart).target : undefined;
  if (!target || !installation) return;
  const ok = target === installation.target
    || target === PolicyTarget.KUBERNETES
    || (target === PolicyTarget.CALICO_PORTABLE && installation.target === PolicyTarget.CALICO);
  if (!ok) {
    problems.add({
      path,
      property: `chart ${chart.node.id} target`,
      value: target.displayName,
      problem: `does not match the cluster's engine, ${installation.target.displayName}; its policies would not be enforced as written`,
      fix: 'create the PolicyChart with the cluster\'s target (PolicyEngineInstallation.of(cluster).target)',
    });
  }
}
