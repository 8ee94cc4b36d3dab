import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { createHash } from 'crypto';
import { fail, Problems } from '../../core/errors';
import { dns1123LabelError, toDnsLabel } from '../../core/names';
import { CREATED_BY_LABEL } from '../intent';
import { CLUSTER_DNS, IPodSelection, Peer, PeerSpec } from '../peer';
import { Port } from '../port';
import { HttpMatch, Rule } from '../rule';
import { LabelSelector } from '../selector';
import { PolicyTarget } from '../target';
import { NamespacePolicy } from './policies';
import { assertNotDelivered } from './delivered';
import { resolveTarget } from './policy-chart';

/** Properties of a `ZeroTrustNamespace`. */
export interface ZeroTrustNamespaceProps {
  /**
   * The namespace name.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The engine to render for.
   * @default - the enclosing PolicyChart's target
   */
  readonly target?: PolicyTarget;
  /**
   * Create the Namespace object. Set to `false` to adopt a namespace that
   * something else creates (a Helm chart, another team).
   * @default true
   */
  readonly create?: boolean;
  /**
   * Labels of the created namespace.
   * @default - none besides the ones Kubernetes adds
   */
  readonly labels?: { readonly [key: string]: string };
  /**
   * Allow every pod of the namespace to query the cluster DNS (kube-dns in
   * kube-system, UDP and TCP 53). Default deny blocks DNS otherwise, and
   * almost every workload resolves names.
   * @default true
   */
  readonly allowDns?: boolean;
  /**
   * Emit every policy of the namespace staged (Calico), to observe what it
   * would drop before enforcing it.
   * @default false
   */
  readonly staged?: boolean;
  /**
   * The Calico tier of the namespace's policies.
   * @default - Calico's default tier
   */
  readonly tier?: string;
}

/** Options of `ZeroTrustNamespace.allow` and `deny`. */
export interface FlowOptions {
  /**
   * The base name of the policies the flow creates.
   * @default - derived from the peers, e.g. `cloudify-manager-to-postgres`
   */
  readonly name?: string;
  /**
   * HTTP requests admitted on the flow (Cilium ENI mode only).
   * @default - no L7 restriction
   */
  readonly http?: readonly HttpMatch[];
}

/** Options of `ZeroTrustNamespace.addWorkloadPolicy`. */
export interface WorkloadPolicyOptions {
  /** The labels of the pods of this namespace the policy applies to. */
  readonly pods: { readonly [key: string]: string };
  /**
   * Rules for the connections the pods accept. Peers given as
   * `Peer.pods(...)` are pods of this namespace.
   * @default - no ingress rules (ingress stays as the namespace's deny leaves it)
   */
  readonly ingress?: readonly Rule[];
  /**
   * Rules for the connections the pods open.
   * @default - no egress rules
   */
  readonly egress?: readonly Rule[];
}

/** Options of `ZeroTrustNamespace.allowInternetEgress`. */
export interface InternetEgressOptions {
  /**
   * The ports allowed to the internet.
   * @default - every port and protocol
   */
  readonly ports?: readonly Port[];
  /**
   * More ranges that are not the internet (the VPC's secondary or public CIDRs).
   * @default - none besides private and link-local ranges
   */
  readonly excludeCidrs?: readonly string[];
  /**
   * The policy name.
   * @default - `<workload>-to-internet`
   */
  readonly name?: string;
}

const registries = new WeakMap<IConstruct, Map<string, ZeroTrustNamespace>>();

/**
 * A namespace where nothing talks unless allowed: it denies all ingress and
 * egress of its pods, allows DNS, and turns each `allow(from, to, ports)` into
 * the egress policy on the sender and the ingress policy on the receiver,
 * because Kubernetes needs both sides of a flow allowed once both are isolated.
 *
 * Policies are additive: the default deny only isolates; each allow opens
 * exactly its flow. In the rendered output the allowances come before the
 * deny, so applying the file in order never cuts DNS.
 */
export class ZeroTrustNamespace extends Construct {
  /** The namespace name. */
  public readonly name: string;
  /** The engine the policies are rendered for. */
  public readonly target: PolicyTarget;
  /** The Namespace object, unless adopted. */
  public readonly namespaceObject?: ApiObject;
  /** The policy that isolates every pod of the namespace in both directions. */
  public readonly defaultDeny: NamespacePolicy;
  /** The DNS allowance, unless turned off. */
  public readonly dnsPolicy?: NamespacePolicy;

  private readonly staged: boolean;
  private readonly tier?: string;
  private readonly policies: NamespacePolicy[] = [];

  constructor(scope: Construct, id: string, props: ZeroTrustNamespaceProps = {}) {
    super(scope, id);
    assertNotDelivered(this, 'namespace');
    this.name = props.name ?? id;
    this.target = resolveTarget(this, props.target);
    this.staged = props.staged ?? false;
    this.tier = props.tier;
    const nameError = dns1123LabelError(this.name);
    if (nameError) fail({ path: this.node.path, property: 'name', value: this.name, problem: nameError, fix: 'use a DNS-1123 label such as "tenant-acme"' });
    const problems = new Problems();
    LabelSelector.of(props.labels ?? {}).validate(problems, this.node.path, 'labels');
    problems.throwIfAny();
    this.register();

    if (props.create ?? true) {
      this.namespaceObject = new ApiObject(this, 'Namespace', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: this.name,
          labels: { ...(props.labels ?? {}), ...CREATED_BY_LABEL },
          // Keep the namespace (and its workloads) if the policy release is uninstalled.
          annotations: { 'helm.sh/resource-policy': 'keep' },
        },
      });
    }
    if (props.allowDns ?? true) {
      this.dnsPolicy = this.createPolicy('allow-dns', LabelSelector.all(), undefined, [Rule.dns([Peer.clusterDns()], [Port.udp(CLUSTER_DNS.port), Port.tcp(CLUSTER_DNS.port)])]);
    }
    this.defaultDeny = this.createPolicy('default-deny', LabelSelector.all(), [], []);
    if (this.dnsPolicy) this.defaultDeny.apiObject.addDependency(this.dnsPolicy.apiObject);
  }

  /** Pods of this namespace that carry `labels`, as a peer. */
  public pods(labels: { readonly [key: string]: string }): Peer {
    return Peer.podsIn(this.name, labels);
  }

  /** The pods of a cdk8s-plus workload of this namespace, as a peer. */
  public workload(workload: IPodSelection): Peer {
    return Peer.podsIn(this.name, workload.matchLabels);
  }

  /**
   * Allows `from` to open connections to `to` on `ports`. Creates the egress
   * policy when `from` is pods of this (or another zero-trust) namespace, and
   * the ingress policy when `to` is. At least one side must be such pods.
   */
  public allow(from: Peer, to: Peer, ports: readonly Port[], options: FlowOptions = {}): void {
    this.flow(Rule.allow, from, to, ports, options);
  }

  /** Denies `from` to `to` on `ports` before any allow (Calico, Cilium). */
  public deny(from: Peer, to: Peer, ports: readonly Port[], options: FlowOptions = {}): void {
    this.flow(Rule.deny, from, to, ports, options, 'deny');
  }

  /** Allows `from` (pods of this namespace) to reach the internet, and nothing private. */
  public allowInternetEgress(from: Peer, options: InternetEgressOptions = {}): void {
    const local = this.ownSelector(from);
    if (!local) this.notLocal('from', from);
    const name = options.name ?? `${peerName(this.localize(from))}-to-internet`;
    this.createPolicy(name, local, undefined, [Rule.allow({ peers: [Peer.internet({ excludeCidrs: options.excludeCidrs })], ports: options.ports })]);
  }

  /**
   * Adds one policy for one workload with all its rules, both directions:
   * what a reviewer reads as "what this workload may do". Unlike `allow`, it
   * writes only this namespace's side of each flow.
   */
  public addWorkloadPolicy(name: string, options: WorkloadPolicyOptions): NamespacePolicy {
    const ingress = options.ingress ?? [];
    const egress = options.egress ?? [];
    if (ingress.length === 0 && egress.length === 0) {
      fail({ path: this.node.path, property: `addWorkloadPolicy(${name})`, value: {}, problem: 'has neither ingress nor egress rules', fix: 'give the rules the workload needs, or leave it to the default deny' });
    }
    const problems = new Problems();
    LabelSelector.of(options.pods).validate(problems, this.node.path, `addWorkloadPolicy(${name}).pods`);
    problems.throwIfAny();
    return this.createPolicy(name, LabelSelector.of(options.pods), ingress.length > 0 ? ingress : undefined, egress.length > 0 ? egress : undefined);
  }

  /** The policies this namespace created, in creation order (DNS, deny, then flows). */
  public get allPolicies(): readonly NamespacePolicy[] {
    return [...this.policies];
  }

  private flow(make: (o: { peers: Peer[]; ports: readonly Port[]; http?: readonly HttpMatch[] }) => Rule, from: Peer, to: Peer, ports: readonly Port[], options: FlowOptions, verb = 'allow'): void {
    if (ports.length === 0) {
      fail({ path: this.node.path, property: `${verb}(${from.label} -> ${to.label}) ports`, value: [], problem: 'is empty', fix: 'list the ports, or Port.allOf(Protocol.TCP) when every TCP port is meant' });
    }
    const sender = this.owner(from);
    const receiver = this.owner(to);
    if (!sender && !receiver) this.notLocal('from or to', from);
    const base = options.name ?? `${peerName(this.localize(from))}-to-${peerName(this.localize(to))}`;
    const httpOnIngress = receiver !== undefined;
    if (sender) {
      sender.ns.createPolicy(`${verb === 'deny' ? 'deny' : 'egress'}-${base}`, sender.selector, undefined,
        [make({ peers: [sender.ns.localize(to)], ports, http: httpOnIngress ? undefined : options.http })]);
    }
    if (receiver) {
      receiver.ns.createPolicy(`${verb === 'deny' ? 'deny-in' : 'ingress'}-${base}`, receiver.selector,
        [make({ peers: [receiver.ns.localize(from)], ports, http: options.http })], undefined);
    }
  }

  private createPolicy(name: string, appliesTo: LabelSelector, ingress: readonly Rule[] | undefined, egress: readonly Rule[] | undefined): NamespacePolicy {
    assertNotDelivered(this, `policy ${name}`);
    const policyName = shortName(name);
    if (this.node.tryFindChild(policyName)) {
      fail({ path: this.node.path, property: 'policy name', value: policyName, problem: 'is used twice: the same flow was allowed twice, or two flows derive the same name', fix: 'allow each flow once with all its ports, or give one of them { name: ... }' });
    }
    const policy = new NamespacePolicy(this, policyName, {
      name: policyName,
      namespace: this.name,
      appliesTo,
      ingress,
      egress,
      tier: this.tier,
      staged: this.staged,
      target: this.target,
    });
    if (this.namespaceObject) policy.apiObject.addDependency(this.namespaceObject);
    // Allowances first, the deny last: applied in order, nothing is cut off.
    if (this.defaultDeny) this.defaultDeny.apiObject.addDependency(policy.apiObject);
    this.policies.push(policy);
    return policy;
  }

  /** The pod selector of `peer` when it is pods of this namespace. */
  private ownSelector(peer: Peer): LabelSelector | undefined {
    if (peer.specs.length !== 1) return undefined;
    const spec = peer.specs[0];
    if (spec.kind !== 'pods') return undefined;
    if (spec.namespaces.kind === 'same') return spec.pods;
    if (spec.namespaces.kind === 'names' && spec.namespaces.names.length === 1 && spec.namespaces.names[0] === this.name) return spec.pods;
    return undefined;
  }

  /** The zero-trust namespace (this or another in the app) whose pods `peer` is. */
  private owner(peer: Peer): { ns: ZeroTrustNamespace; selector: LabelSelector } | undefined {
    const own = this.ownSelector(peer);
    if (own) return { ns: this, selector: own };
    const spec = peer.specs.length === 1 ? peer.specs[0] : undefined;
    if (spec?.kind !== 'pods' || spec.namespaces.kind !== 'names' || spec.namespaces.names.length !== 1) return undefined;
    const other = registries.get(this.node.root)?.get(spec.namespaces.names[0]);
    if (!other || other.target !== this.target) return undefined;
    return { ns: other, selector: spec.pods };
  }

  /** `peer` as seen from this namespace: its own pods need no namespace selector. */
  private localize(peer: Peer): Peer {
    const own = this.ownSelector(peer);
    return own ? Peer.podsMatching(own) : peer;
  }

  private notLocal(property: string, peer: Peer): never {
    return fail({
      path: this.node.path,
      property,
      value: peer.label,
      problem: `is not pods of namespace "${this.name}" (or of another ZeroTrustNamespace of the app)`,
      fix: `select the pods with ${this.node.id}.pods({ app: '...' }) or Peer.pods({ app: '...' })`,
    });
  }

  private register(): void {
    const registry = registries.get(this.node.root) ?? new Map<string, ZeroTrustNamespace>();
    registries.set(this.node.root, registry);
    const existing = registry.get(this.name);
    if (existing) {
      fail({ path: this.node.path, property: 'name', value: this.name, problem: `is already managed by ${existing.node.path}`, fix: 'manage each namespace once, or adopt it with create: false in one place only' });
    }
    registry.set(this.name, this);
  }
}

/** A readable name for a peer: its label values, or its label. */
function peerName(peer: Peer): string {
  const spec: PeerSpec | undefined = peer.specs.length === 1 ? peer.specs[0] : undefined;
  if (spec?.kind === 'pods') {
    const values = Object.values(spec.pods.matchLabels).filter((v) => v.length > 0);
    const ns = spec.namespaces.kind === 'names' ? `${spec.namespaces.names.join('-')}-` : '';
    if (values.length > 0) return `${ns}${values.join('-')}`;
  }
  return peer.label;
}

/** A DNS-1123 name of at most 63 characters, stable for the same input. */
function shortName(text: string): string {
  const clean = toDnsLabel(text, Infinity) || 'policy';
  if (clean.length <= 63) return clean;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
  return `${clean.slice(0, 54).replace(/-$/, '')}-${hash}`;
}

