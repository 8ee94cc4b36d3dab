import { Annotations, Stack, Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, DependencyGroup, IConstruct, IDependable } from 'constructs';
import { cidrOverlaps, IpFamily, parseCidr } from '../core/cidr';
import { Problems } from '../core/errors';
import { getPath, JsonObject } from '../core/merge';
import { ClusterNetwork } from '../policy/network';
import { PolicyTarget } from '../policy/target';
import { installCalico } from './engines/calico';
import { CILIUM_CHAINING_POOL_CANDIDATES, installCilium } from './engines/cilium';
import { addVpcCniAddon, vpcCniConfiguration } from './engines/vpc-cni';
import { irsaPrincipal } from './iam-service-account';
import { CalicoCrdInstall, CiliumMode, PolicyEngine, PolicyEngineKind } from './policy-engine';
import { CALICO_CHARTS, CALICO_CRD_RELEASE_BYTES, CILIUM_CHART, VPC_CNI_ADDON } from './versions';
import { knownVpcCidrs, KnownVpcCidrs } from './vpc-cidrs';

/** Options for installing a policy engine on a cluster. */
export interface PolicyEngineInstallationOptions {
  /** The engine to install. */
  readonly engine: PolicyEngine;
  /**
   * Manage the `vpc-cni` EKS add-on from this construct, to configure it for
   * the engine (`ANNOTATE_POD_IP` for Calico, the network policy agent on or
   * off). An imported cluster usually has the add-on already, and creating it
   * again fails with AlreadyExists; configure it where it is managed, as
   * `vpcCniConfiguration()` describes (a synth warning gives the values).
   * @default - true for a cluster created in this app, false for an imported one
   */
  readonly manageVpcCniAddon?: boolean;
  /**
   * Give the VPC CNI (`kube-system/aws-node`) its own IRSA role with
   * `AmazonEKS_CNI_Policy`, so node roles need no CNI permissions (EKS best
   * practice). Needs the cluster's OIDC provider. Only with `manageVpcCniAddon`.
   * @default true
   */
  readonly vpcCniIrsa?: boolean;
}

/** Properties of `PolicyEngineInstallation`. */
export interface PolicyEngineInstallationProps extends PolicyEngineInstallationOptions {
  /** The cluster, created here or imported with `Cluster.fromClusterAttributes`. */
  readonly cluster: eks.ICluster;
}

/** The stable ids of the installation's warnings. */
export const INSTALLATION_WARNINGS = {
  kubectlOutsideVpc: 'eks-zero-trust:kubectl-outside-vpc',
  vpcCniUnmanaged: 'eks-zero-trust:vpc-cni-unmanaged',
  calicoCrdSizeUnknown: 'eks-zero-trust:calico-crd-size-unknown',
  ciliumPoolUnchecked: 'eks-zero-trust:cilium-pool-unchecked',
} as const;

const INSTALLATIONS = new WeakMap<IConstruct, PolicyEngineInstallation>();
const MAX_TIMEOUT_SECONDS = 15 * 60;
/** Charts that install an enforcer; a second release of one means two engines. */
const ENGINE_CHARTS: ReadonlySet<string> = new Set([CALICO_CHARTS.operatorChart, CILIUM_CHART.chart]);
/** Helm keeps one release in one Secret, which Kubernetes limits to 1 MiB. */
const HELM_RELEASE_LIMIT = 1024 * 1024;

/**
 * Installs exactly one network policy engine on an EKS cluster, in order:
 * CRDs, then the operator or agent, then readiness of the APIs that policies
 * use. `ready` is what policy manifests depend on.
 */
export class PolicyEngineInstallation extends Construct {
  /** The installation on `cluster`, if any. */
  public static of(cluster: eks.ICluster): PolicyEngineInstallation | undefined {
    return INSTALLATIONS.get(cluster);
  }

  /** The engine installed. */
  public readonly engine: PolicyEngine;
  /** What the engine enforces, for rendering policies. */
  public readonly target: PolicyTarget;
  /** The cluster. */
  public readonly cluster: eks.ICluster;
  /**
   * Done when the engine enforces policy and its policy APIs are served:
   * Calico's API server is Available, Cilium's policy CRDs are established.
   */
  public readonly ready: IDependable;
  /**
   * The engine's workloads (Helm releases, patches, roles). They need nodes
   * to run on, except in Cilium ENI mode, where nodes need them first.
   */
  public readonly components: IConstruct[];
  /** The readiness checks that `ready` ends with. */
  public readonly readinessChecks: IConstruct[];
  /** The VPC CNI add-on this construct manages, if any. */
  public readonly vpcCniAddon?: eks.CfnAddon;
  /** The VPC blocks known at synth, for checks that need them. */
  public readonly vpcCidrs: KnownVpcCidrs;
  /**
   * The cluster's pod address blocks as the policy layer takes them (the
   * VPC's known blocks): pass it to `PolicyChart` so the internet peer
   * excludes them.
   */
  public readonly network: ClusterNetwork;

  private readonly coreDnsRestart?: IConstruct;

  constructor(scope: Construct, id: string, props: PolicyEngineInstallationProps) {
    super(scope, id);
    const { engine, cluster } = props;
    const existing = INSTALLATIONS.get(cluster);
    if (existing) {
      const problems = new Problems();
      problems.add({
        path: this.node.path,
        property: 'engine',
        value: engine.kind,
        problem: `is a second policy engine for the cluster, which already runs ${existing.engine.kind} (installed by ${existing.node.path}); two enforcers would each drop traffic the other allows`,
        fix: 'install exactly one engine per cluster: remove one of the two installations',
      });
      problems.throwIfAny();
    }
    const imported = !(cluster instanceof eks.Cluster);
    const vpc = clusterVpc(cluster);
    this.vpcCidrs = vpc ? knownVpcCidrs(vpc) : { cidrs: [], complete: false, hasIpv6: false };
    this.network = ClusterNetwork.of({ podCidrs: this.vpcCidrs.cidrs, ipv6: cluster.ipFamily === eks.IpFamily.IP_V6 });
    const ciliumEni = engine.kind === PolicyEngineKind.CILIUM && engine._cilium.mode === CiliumMode.ENI;
    const chainingPool = engine.kind === PolicyEngineKind.CILIUM && !ciliumEni ? chooseChainingPool(engine._cilium.chainingPoolCidr, this.vpcCidrs) : undefined;
    validateEngine(this.node.path, engine, { chainingPool, vpcCidrs: this.vpcCidrs, hasVpc: vpc !== undefined });
    INSTALLATIONS.set(cluster, this);
    this.warnAboutUnknowns(engine, chainingPool);
    this.engine = engine;
    this.target = engine.target;
    this.cluster = cluster;
    if (imported && !cluster.kubectlPrivateSubnets) {
      Annotations.of(this).addWarningV2(INSTALLATION_WARNINGS.kubectlOutsideVpc, `${this.node.path}: the imported cluster has no kubectlPrivateSubnets, so its kubectl handler runs outside the VPC; against a private API endpoint (what SecuredCluster builds) every chart and manifest times out. Pass vpc, kubectlPrivateSubnetIds and kubectlSecurityGroupId to eks.Cluster.fromClusterAttributes, or ignore this if the endpoint is public.`);
    }
    const manageAddon = props.manageVpcCniAddon ?? !imported;
    const before: IDependable[] = [];
    const addonSettings = {
      networkPolicy: engine.kind === PolicyEngineKind.VPC_CNI,
      annotatePodIp: engine.kind === PolicyEngineKind.CALICO,
      options: engine.kind === PolicyEngineKind.VPC_CNI ? engine._vpcCni : undefined,
    };
    if (manageAddon && !ciliumEni) {
      const serviceAccountRole = (props.vpcCniIrsa ?? true)
        ? new iam.Role(this, 'VpcCniRole', {
          assumedBy: irsaPrincipal(this, 'VpcCniTrust', cluster, VPC_CNI_ADDON.namespace, VPC_CNI_ADDON.daemonSet),
          managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEKS_CNI_Policy')],
          description: 'IRSA role of the VPC CNI (kube-system/aws-node)',
        })
        : undefined;
      this.vpcCniAddon = addVpcCniAddon(this, cluster, { ...addonSettings, serviceAccountRole });
      before.push(this.vpcCniAddon);
    } else if (!ciliumEni) {
      Annotations.of(this).addWarningV2(INSTALLATION_WARNINGS.vpcCniUnmanaged, `${this.node.path}: the vpc-cni add-on is not managed here (the default on an imported cluster, where creating it again fails with AlreadyExists). Configure it where it is managed with configurationValues ${JSON.stringify(vpcCniConfiguration(addonSettings))}${engine.kind === PolicyEngineKind.VPC_CNI ? '; without enableNetworkPolicy "true" no policy is enforced' : ''}, or pass manageVpcCniAddon: true.`);
    }
    switch (engine.kind) {
      case PolicyEngineKind.CALICO: {
        const calico = installCalico(this, cluster, calicoChartVersion(engine.version), engine._calico, before);
        this.components = calico.datapath;
        this.readinessChecks = [calico.apiServerReady];
        break;
      }
      case PolicyEngineKind.CILIUM: {
        const cilium = installCilium(this, { cluster, chartVersion: engine.version, chainingPool, vpcArn: vpc?.vpcArn }, engine._cilium, before);
        this.components = cilium.datapath;
        this.readinessChecks = cilium.crdsReady;
        this.coreDnsRestart = cilium.coreDnsRestart;
        break;
      }
      case PolicyEngineKind.VPC_CNI:
        this.components = [];
        this.readinessChecks = [];
        break;
    }
    this.ready = new DependencyGroup(...before, ...this.components, ...this.readinessChecks);
    this.node.addValidation({ validate: () => this.findOtherEnforcers() });
  }

  /**
   * Orders the engine against a node group. Normally the VPC CNI add-on comes
   * first (nodes have no CNI permissions of their own), then the nodes, then the
   * engine's workloads, which Helm waits on. In Cilium ENI mode nodes only
   * become Ready once Cilium runs, so the node group comes after the engine's
   * workloads, and the wait for Cilium's CRDs (registered by the operator,
   * which runs on those nodes) after the node group.
   */
  public orderWithNodeGroup(nodeGroup: eks.Nodegroup): void {
    if (this.engine.kind === PolicyEngineKind.CILIUM && this.engine._cilium.mode === CiliumMode.ENI) {
      this.components.forEach((c) => nodeGroup.node.addDependency(c));
      this.readinessChecks.forEach((c) => c.node.addDependency(nodeGroup));
      return;
    }
    [...this.components, ...this.readinessChecks].forEach((c) => c.node.addDependency(nodeGroup));
    if (this.vpcCniAddon) nodeGroup.node.addDependency(this.vpcCniAddon);
  }

  /**
   * Orders the engine's restart of CoreDNS (Cilium chaining mode, whose
   * CoreDNS pods started before Cilium) after the CoreDNS add-on.
   */
  public orderAfterCoreDns(coreDns: IDependable): void {
    this.coreDnsRestart?.node.addDependency(coreDns);
  }

  /** Warns where a deploy-time limit cannot be checked at synth. */
  private warnAboutUnknowns(engine: PolicyEngine, chainingPool: string | undefined): void {
    if (engine.kind === PolicyEngineKind.CALICO && (engine._calico.crds ?? CalicoCrdInstall.HELM_RELEASE) === CalicoCrdInstall.HELM_RELEASE) {
      const version = calicoChartVersion(engine.version);
      if (CALICO_CRD_RELEASE_BYTES[version] === undefined) {
        Annotations.of(this).addWarningV2(INSTALLATION_WARNINGS.calicoCrdSizeUnknown, `${this.node.path}: the Helm release size of Calico's CRD chart ${version} is not measured; ${CALICO_CHARTS.defaultVersion}'s takes ${CALICO_CRD_RELEASE_BYTES[calicoChartVersion(CALICO_CHARTS.defaultVersion)]} of the 1,048,576 bytes Helm's release Secret holds, and a larger one fails with "Too long". Measure it (helm install --dry-run=client -o json | gzip | base64 | wc -c), or install the CRDs outside Helm with crds: CalicoCrdInstall.EXTERNAL.`);
      }
    }
    if (chainingPool !== undefined && !this.vpcCidrs.complete) {
      Annotations.of(this).addWarningV2(INSTALLATION_WARNINGS.ciliumPoolUnchecked, `${this.node.path}: Cilium's chaining pool ${chainingPool} could only be checked against the VPC blocks known at synth (${this.vpcCidrs.cidrs.join(', ') || 'none'}); if the VPC has another block overlapping it, set chainingPoolCidr to a block outside the VPC.`);
    }
  }

  /** Looks in the stack for a second enforcer configured outside this construct. */
  private findOtherEnforcers(): string[] {
    const errors: string[] = [];
    for (const child of Stack.of(this).node.findAll()) {
      if (child.node.path.startsWith(`${this.node.path}/`)) continue;
      if (child instanceof eks.CfnAddon && child.addonName === VPC_CNI_ADDON.addonName) {
        const config = child.configurationValues;
        const enforcing = typeof config === 'string' && !Token.isUnresolved(config) && /"enableNetworkPolicy"\s*:\s*"true"/.test(config);
        if (this.engine.kind !== PolicyEngineKind.VPC_CNI && enforcing) {
          errors.push(`${this.node.path}: engine "${this.engine.kind}" conflicts with ${child.node.path}, a vpc-cni add-on with enableNetworkPolicy "true"; two enforcers would each drop traffic the other allows. Fix: set enableNetworkPolicy to "false" on that add-on, or use PolicyEngine.vpcCni() instead`);
        } else if (this.vpcCniAddon && sameCluster(this, child.clusterName, this.cluster.clusterName)) {
          errors.push(`${this.node.path}: the vpc-cni add-on is created twice for the cluster, here and by ${child.node.path}; EKS fails the second with AlreadyExists. Fix: pass manageVpcCniAddon: false and configure that add-on with vpcCniConfiguration()`);
        }
      }
      if (child instanceof eks.HelmChart && ENGINE_CHARTS.has(child.chart ?? '')) {
        errors.push(`${this.node.path}: engine "${this.engine.kind}" conflicts with ${child.node.path}, a second "${child.chart}" Helm release. Fix: remove that chart; this construct installs the engine`);
      }
    }
    return errors;
  }
}

/** Whether two cluster names (tokens or text) name the same cluster. */
function sameCluster(scope: IConstruct, a: string, b: string): boolean {
  const stack = Stack.of(scope);
  return JSON.stringify(stack.resolve(a)) === JSON.stringify(stack.resolve(b));
}

/** The cluster's VPC, or undefined for an imported cluster without one. */
function clusterVpc(cluster: eks.ICluster): eks.ICluster['vpc'] | undefined {
  try {
    return cluster.vpc;
  } catch {
    return undefined; // imported without vpc
  }
}

/** The chaining-mode pool: the given one, or the first candidate that overlaps no known VPC block. */
function chooseChainingPool(given: string | undefined, vpc: KnownVpcCidrs): string {
  if (given !== undefined) return given;
  const blocks = vpc.cidrs.map((c) => parseCidr(c).cidr).filter((c) => c !== undefined);
  return CILIUM_CHAINING_POOL_CANDIDATES.find((candidate) => !blocks.some((b) => cidrOverlaps(b, parseCidr(candidate).cidr!))) ?? CILIUM_CHAINING_POOL_CANDIDATES[0];
}

/** Calico chart versions carry a leading "v". */
function calicoChartVersion(version: string): string {
  return version.startsWith('v') ? version : `v${version}`;
}

interface EngineContext {
  readonly chainingPool?: string;
  readonly vpcCidrs: KnownVpcCidrs;
  readonly hasVpc: boolean;
}

function validateEngine(path: string, engine: PolicyEngine, context: EngineContext): void {
  const problems = new Problems();
  const raw: JsonObject = engine._rawValues ?? {};
  switch (engine.kind) {
    case PolicyEngineKind.CALICO: {
      const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(engine.version);
      if (!m) {
        problems.add({ path, property: 'PolicyEngine.calico({ version })', value: engine.version, problem: 'is not a Calico release version', fix: `use a version such as "${CALICO_CHARTS.defaultVersion}"` });
      } else if (Number(m[1]) !== 3 || Number(m[2]) < 32) {
        problems.add({ path, property: 'PolicyEngine.calico({ version })', value: engine.version, problem: 'is older than 3.32, whose charts this library installs (CRDs in their own chart)', fix: `use 3.32 or later, for example "${CALICO_CHARTS.defaultVersion}"` });
      }
      const stored = CALICO_CRD_RELEASE_BYTES[calicoChartVersion(engine.version)];
      if ((engine._calico.crds ?? CalicoCrdInstall.HELM_RELEASE) === CalicoCrdInstall.HELM_RELEASE && stored !== undefined && stored > HELM_RELEASE_LIMIT) {
        problems.add({ path, property: 'PolicyEngine.calico({ version })', value: engine.version, problem: `has a CRD chart whose Helm release takes ${stored} bytes, over the 1 MiB (${HELM_RELEASE_LIMIT} bytes) of Helm's release Secret; helm install fails with "Too long"`, fix: 'install the CRDs outside Helm (crds: CalicoCrdInstall.EXTERNAL) with `helm template ... | kubectl apply --server-side`' });
      }
      const cni = getPath(raw, ['installation', 'cni', 'type']);
      if (cni !== undefined && cni !== 'AmazonVPC') {
        problems.add({ path, property: 'values.installation.cni.type', value: cni, problem: 'conflicts with policy-only mode on the VPC CNI', fix: 'remove it; this library runs Calico for policy on top of the AWS VPC CNI' });
      }
      break;
    }
    case PolicyEngineKind.CILIUM: {
      const m = /^(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.]+)?$/.exec(engine.version);
      if (!m) {
        problems.add({ path, property: 'PolicyEngine.cilium({ version })', value: engine.version, problem: 'is not a Cilium chart version (MAJOR.MINOR.PATCH)', fix: `use a version such as "${CILIUM_CHART.defaultVersion}"` });
      } else if (!(m[1] === '1' && (m[2] === '19' || m[2] === '20'))) {
        problems.add({ path, property: 'PolicyEngine.cilium({ version })', value: engine.version, problem: 'is outside the supported range 1.19.x-1.20.x', fix: `use a 1.19 or 1.20 release, for example "${CILIUM_CHART.defaultVersion}"` });
      }
      if (engine._cilium.clusterNetworkPolicy && m && m[2] !== '20') {
        problems.add({ path, property: 'PolicyEngine.cilium({ clusterNetworkPolicy })', value: engine.version, problem: 'asks for ClusterNetworkPolicy, which Cilium enforces from 1.20 (k8sClusterNetworkPolicy in the 1.20 chart)', fix: 'use a 1.20 release, or render guardrails as CiliumClusterwideNetworkPolicy' });
      }
      const mode = engine._cilium.mode ?? CiliumMode.CHAINING;
      const chaining = getPath(raw, ['cni', 'chainingMode']);
      const eni = getPath(raw, ['eni', 'enabled']);
      if (mode === CiliumMode.ENI && chaining !== undefined && chaining !== 'none') {
        problems.add({ path, property: 'values.cni.chainingMode', value: chaining, problem: 'conflicts with mode CiliumMode.ENI', fix: 'remove it, or use mode CiliumMode.CHAINING' });
      }
      if (mode === CiliumMode.CHAINING && eni === true) {
        problems.add({ path, property: 'values.eni.enabled', value: eni, problem: 'conflicts with mode CiliumMode.CHAINING', fix: 'remove it, or use mode CiliumMode.ENI' });
      }
      if (mode === CiliumMode.ENI && !context.hasVpc) {
        problems.add({ path, property: 'cluster.vpc', value: undefined, problem: 'is missing; ENI mode scopes the Cilium operator\'s EC2 permissions to the cluster\'s VPC', fix: 'pass vpc to eks.Cluster.fromClusterAttributes' });
      }
      const pool = context.chainingPool;
      if (pool !== undefined) {
        const parsed = parseCidr(pool);
        if (!parsed.cidr || parsed.cidr.family !== IpFamily.IPV4) {
          problems.add({ path, property: 'PolicyEngine.cilium({ chainingPoolCidr })', value: pool, problem: parsed.error ?? 'is not an IPv4 block', fix: parsed.suggestion ? `use "${parsed.suggestion}"` : `use an IPv4 block outside the VPC, such as "${CILIUM_CHAINING_POOL_CANDIDATES[0]}"` });
        } else {
          const overlap = context.vpcCidrs.cidrs.find((c) => { const b = parseCidr(c).cidr; return b !== undefined && cidrOverlaps(b, parsed.cidr!); });
          if (overlap) {
            problems.add({ path, property: 'PolicyEngine.cilium({ chainingPoolCidr })', value: pool, problem: `overlaps the VPC block ${overlap}; cilium_host would take addresses the VPC routes elsewhere`, fix: `choose a block outside every VPC block, such as one of ${CILIUM_CHAINING_POOL_CANDIDATES.join(', ')}` });
          }
        }
      }
      break;
    }
    case PolicyEngineKind.VPC_CNI: {
      if (engine.version !== 'default' && !/^v\d+\.\d+\.\d+-eksbuild\.\d+$/.test(engine.version)) {
        problems.add({ path, property: 'PolicyEngine.vpcCni({ addonVersion })', value: engine.version, problem: 'is not an EKS add-on version', fix: 'use the form "v1.20.4-eksbuild.1" (see `aws eks describe-addon-versions --addon-name vpc-cni`)' });
      }
      const np = getPath(raw, ['enableNetworkPolicy']);
      if (np !== undefined && np !== 'true') {
        problems.add({ path, property: 'configurationValues.enableNetworkPolicy', value: np, problem: 'turns off the engine this option installs', fix: 'remove it, or choose another engine' });
      }
      break;
    }
  }
  const timeout = engine._calico.timeout ?? engine._cilium.timeout;
  if (timeout && !timeout.isUnresolved() && timeout.toSeconds() > MAX_TIMEOUT_SECONDS) {
    problems.add({ path, property: 'timeout', value: `${timeout.toSeconds()}s`, problem: 'exceeds the 15-minute limit of the kubectl provider Lambda function', fix: 'use at most Duration.minutes(15)' });
  }
  problems.throwIfAny();
}
