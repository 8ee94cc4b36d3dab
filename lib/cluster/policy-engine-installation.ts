import { Stack, Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct, DependencyGroup, IConstruct, IDependable } from 'constructs';
import { Problems } from '../core/errors';
import { getPath, JsonObject } from '../core/merge';
import { PolicyTarget } from '../policy/target';
import { installCalico } from './engines/calico';
import { irsaPrincipal } from './iam-service-account';
import { installCilium } from './engines/cilium';
import { addVpcCniAddon } from './engines/vpc-cni';
import { CiliumMode, PolicyEngine, PolicyEngineKind } from './policy-engine';
import { CALICO_CHARTS, CILIUM_CHART, VPC_CNI_ADDON } from './versions';

/** Options for installing a policy engine on a cluster. */
export interface PolicyEngineInstallationOptions {
  /** The engine to install. */
  readonly engine: PolicyEngine;
  /**
   * Manage the `vpc-cni` EKS add-on from this construct, to configure it for
   * the engine (`ANNOTATE_POD_IP` for Calico, the network policy agent on or
   * off). Turn off when another stack already manages the add-on; then
   * configure it there as `vpcCniConfiguration()` describes.
   * @default true
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

const INSTALLATIONS = new WeakMap<IConstruct, PolicyEngineInstallation>();
const MAX_TIMEOUT_SECONDS = 15 * 60;
/** Charts that install an enforcer; a second release of one means two engines. */
const ENGINE_CHARTS: ReadonlySet<string> = new Set([CALICO_CHARTS.operatorChart, CILIUM_CHART.chart]);

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
  /** Done when the engine enforces policy and its policy APIs are served. */
  public readonly ready: IDependable;
  /**
   * The engine's workloads (Helm releases, readiness checks, patches), which
   * need nodes to run on unless the engine must run before nodes are Ready.
   */
  public readonly components: IConstruct[];
  /** The VPC CNI add-on this construct manages, if any. */
  public readonly vpcCniAddon?: eks.CfnAddon;

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
    validateEngine(this.node.path, engine);
    INSTALLATIONS.set(cluster, this);
    this.engine = engine;
    this.target = engine.target;
    this.cluster = cluster;

    const manageAddon = props.manageVpcCniAddon ?? true;
    const ciliumEni = engine.kind === PolicyEngineKind.CILIUM && engine._cilium.mode === CiliumMode.ENI;
    const before: IDependable[] = [];
    if (manageAddon && !ciliumEni) {
      const serviceAccountRole = (props.vpcCniIrsa ?? true)
        ? new iam.Role(this, 'VpcCniRole', {
          assumedBy: irsaPrincipal(this, 'VpcCniTrust', cluster, VPC_CNI_ADDON.namespace, VPC_CNI_ADDON.daemonSet),
          managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonEKS_CNI_Policy')],
          description: 'IRSA role of the VPC CNI (kube-system/aws-node)',
        })
        : undefined;
      this.vpcCniAddon = addVpcCniAddon(this, cluster, {
        serviceAccountRole,
        networkPolicy: engine.kind === PolicyEngineKind.VPC_CNI,
        annotatePodIp: engine.kind === PolicyEngineKind.CALICO,
        options: engine.kind === PolicyEngineKind.VPC_CNI ? engine._vpcCni : undefined,
      });
      before.push(this.vpcCniAddon);
    }
    switch (engine.kind) {
      case PolicyEngineKind.CALICO:
        this.components = installCalico(this, cluster, calicoChartVersion(engine.version), engine._calico, before);
        break;
      case PolicyEngineKind.CILIUM:
        this.components = installCilium(this, cluster, engine.version, engine._cilium, before);
        break;
      case PolicyEngineKind.VPC_CNI:
        this.components = [];
        break;
    }
    this.ready = new DependencyGroup(...before, ...this.components);
    this.node.addValidation({ validate: () => this.findOtherEnforcers() });
  }

  /**
   * Orders the engine against a node group. Normally the VPC CNI add-on comes
   * first (nodes have no CNI permissions of their own), then the nodes, then the
   * engine's workloads, which Helm waits on. In Cilium ENI mode nodes only
   * become Ready once Cilium runs, so the node group comes after the engine.
   */
  public orderWithNodeGroup(nodeGroup: eks.Nodegroup): void {
    if (this.engine.kind === PolicyEngineKind.CILIUM && this.engine._cilium.mode === CiliumMode.ENI) {
      nodeGroup.node.addDependency(this);
      return;
    }
    this.components.forEach((c) => c.node.addDependency(nodeGroup));
    if (this.vpcCniAddon) nodeGroup.node.addDependency(this.vpcCniAddon);
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
        }
      }
      if (child instanceof eks.HelmChart && ENGINE_CHARTS.has(child.chart ?? '')) {
        errors.push(`${this.node.path}: engine "${this.engine.kind}" conflicts with ${child.node.path}, a second "${child.chart}" Helm release. Fix: remove that chart; this construct installs the engine`);
      }
    }
    return errors;
  }
}

/** Calico chart versions carry a leading "v". */
function calicoChartVersion(version: string): string {
  return version.startsWith('v') ? version : `v${version}`;
}

function validateEngine(path: string, engine: PolicyEngine): void {
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
      const mode = engine._cilium.mode ?? CiliumMode.CHAINING;
      const chaining = getPath(raw, ['cni', 'chainingMode']);
      const eni = getPath(raw, ['eni', 'enabled']);
      if (mode === CiliumMode.ENI && chaining !== undefined && chaining !== 'none') {
        problems.add({ path, property: 'values.cni.chainingMode', value: chaining, problem: 'conflicts with mode CiliumMode.ENI', fix: 'remove it, or use mode CiliumMode.CHAINING' });
      }
      if (mode === CiliumMode.CHAINING && eni === true) {
        problems.add({ path, property: 'values.eni.enabled', value: eni, problem: 'conflicts with mode CiliumMode.CHAINING', fix: 'remove it, or use mode CiliumMode.ENI' });
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
