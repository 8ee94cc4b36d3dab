import { cidrContains, IPV4_LINK_LOCAL, IPV4_SHARED_ADDRESS_SPACE, IPV6_LINK_LOCAL, IPV6_UNIQUE_LOCAL, IpFamily, parseCidr, RFC1918 } from '../core/cidr';
import { Problems } from '../core/errors';
import { dns1123LabelError } from '../core/names';
import { ClusterNetwork } from './network';
import { LabelSelector } from './selector';

/** The namespace label every Kubernetes namespace carries since 1.21. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** The labels of the cluster DNS pods (CoreDNS on EKS) and their namespace. */
export const CLUSTER_DNS = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, port: 53 } as const;

/** Where the pods of a pod peer live. */
export type NamespaceScope =
  | { readonly kind: 'same' }
  | { readonly kind: 'names'; readonly names: readonly string[] }
  | { readonly kind: 'selector'; readonly selector: LabelSelector };

/**
 * The data behind a `Peer`, read by the renderers and the analyzer.
 * One `Peer` may stand for several of these (the internet is an IPv4 and an IPv6 block).
 */
export type PeerSpec =
  | { readonly kind: 'any' }
  | { readonly kind: 'pods'; readonly pods: LabelSelector; readonly namespaces: NamespaceScope }
  | { readonly kind: 'cidr'; readonly cidr: string; readonly except: readonly string[] }
  | { readonly kind: 'internet'; readonly excludeCidrs: readonly string[] }
  | { readonly kind: 'nodes'; readonly cidrs: readonly string[] }
  | { readonly kind: 'podIdentityAgent' }
  | { readonly kind: 'apiServer'; readonly cidrs: readonly string[] }
  | { readonly kind: 'fqdn'; readonly matchName?: string; readonly matchPattern?: string }
  | { readonly kind: 'service'; readonly name: string; readonly namespace: string };

/** A cdk8s-plus workload (Deployment, StatefulSet, ...) or anything else that selects pods by labels. */
export interface IPodSelection {
  /** The labels the workload's pods carry and its selector matches. */
  readonly matchLabels: { readonly [key: string]: string };
  /** The object's metadata; only the namespace is read. */
  readonly metadata: { readonly namespace?: string };
}

/** Options of `Peer.internet`. */
export interface InternetOptions {
  /**
   * More ranges that are not the internet, such as the VPC's own public or
   * secondary CIDRs and the cluster's service range.
   * @default - none besides RFC 1918, link-local, IPv6 unique-local and link-local
   */
  readonly excludeCidrs?: readonly string[];
}

/** Options of `Peer.kubeApiServer`. */
export interface ApiServerOptions {
  /**
   * The addresses of the API server, as `/32` (or `/128`) blocks: the
   * endpoints of `default/kubernetes` (`kubectl get endpoints kubernetes -n
   * default`; on EKS the control-plane ENIs in the VPC) and its ClusterIP
   * (`kubectl get service kubernetes -n default`, the first address of the
   * service range, such as 172.20.0.1). The VPC CNI matches egress before the
   * ClusterIP is translated, so both are needed. Kubernetes NetworkPolicy can
   * only name the API server by address; Calico and Cilium find it themselves.
   * @default - none: fine for Calico and Cilium, an error for Kubernetes NetworkPolicy
   */
  readonly cidrs?: readonly string[];
}

/** Options of `Peer.nodes`. */
export interface NodesOptions {
  /**
   * The blocks of the node subnets, for engines that match nodes by address
   * (Kubernetes NetworkPolicy, Calico without host endpoints). Cilium matches
   * its `host` and `remote-node` entities instead.
   * @default - none: fine for Cilium, an error for the other dialects
   */
  readonly cidrs?: readonly string[];
}

/** The EKS Pod Identity agent's link-local addresses (IPv4 and IPv6), where pods fetch credentials. */
export const POD_IDENTITY_AGENT = { cidrs: ['169.254.170.23/32', 'fd00:ec2::23/128'], port: 80 } as const;

/**
 * The blocks the internet peer leaves out: RFC 1918, RFC 6598 shared address
 * space (EKS custom networking gives pods 100.64.0.0/10 addresses), IPv4
 * link-local (which holds the instance metadata service), IPv6 unique-local
 * and link-local; then what the caller and the cluster's network add.
 */
export function internetExclusions(extra: readonly string[], network: ClusterNetwork | undefined): { readonly v4: string[]; readonly v6: string[] } {
  const family = (c: string) => parseCidr(c).cidr?.family;
  const uniqueOutside = (base: string[], more: readonly string[]) => {
    const out = [...base];
    for (const c of more) {
      const block = parseCidr(c).cidr;
      if (block && !out.some((o) => { const b = parseCidr(o).cidr; return b !== undefined && cidrContains(b, block); })) out.push(block.text);
    }
    return out;
  };
  const pods = network?.podCidrs ?? [];
  const v4 = uniqueOutside(uniqueOutside([...RFC1918, IPV4_SHARED_ADDRESS_SPACE, IPV4_LINK_LOCAL], extra.filter((c) => family(c) !== IpFamily.IPV6)), pods.filter((c) => family(c) === IpFamily.IPV4));
  const v6 = uniqueOutside(uniqueOutside([IPV6_UNIQUE_LOCAL, IPV6_LINK_LOCAL], extra.filter((c) => family(c) === IpFamily.IPV6)), pods.filter((c) => family(c) === IpFamily.IPV6));
  return { v4, v6 };
}

/** The internet as address blocks: `0.0.0.0/0` and `::/0` minus `internetExclusions`. */
export function internetBlocks(extra: readonly string[], network: ClusterNetwork | undefined): { readonly cidr: string; readonly except: readonly string[] }[] {
  const { v4, v6 } = internetExclusions(extra, network);
  return [{ cidr: '0.0.0.0/0', except: v4 }, { cidr: '::/0', except: v6 }];
}

/**
 * The other side of a flow: pods, namespaces, addresses, names.
 * Build with the static factories. Values are checked where the peer is used.
 */
export class Peer {
  /** Pods of the policy's own namespace that carry `labels`. */
  public static pods(labels: { readonly [key: string]: string }): Peer {
    return Peer.podsMatching(LabelSelector.of(labels));
  }

  /** Pods of the policy's own namespace matched by `selector`. */
  public static podsMatching(selector: LabelSelector): Peer {
    return new Peer([{ kind: 'pods', pods: selector, namespaces: { kind: 'same' } }], selector.describe());
  }

  /** Pods of the named namespace that carry `labels` (both must match). */
  public static podsIn(namespace: string, labels: { readonly [key: string]: string }): Peer {
    return new Peer([{ kind: 'pods', pods: LabelSelector.of(labels), namespaces: { kind: 'names', names: [namespace] } }], `${namespace}/${LabelSelector.of(labels).describe()}`);
  }

  /** The pods of a cdk8s-plus workload, in its namespace (or the policy's own when it has none). */
  public static workload(workload: IPodSelection): Peer {
    const selector = LabelSelector.of(workload.matchLabels);
    const ns = workload.metadata.namespace;
    return new Peer([{ kind: 'pods', pods: selector, namespaces: ns ? { kind: 'names', names: [ns] } : { kind: 'same' } }], selector.describe());
  }

  /** Every pod of the named namespaces. */
  public static namespaces(...names: string[]): Peer {
    return new Peer([{ kind: 'pods', pods: LabelSelector.all(), namespaces: { kind: 'names', names: [...names].sort() } }], names.join(','));
  }

  /** Pods matched by `pods` in the namespaces matched by `namespaces` (both must match). */
  public static podsInNamespacesMatching(namespaces: LabelSelector, pods: LabelSelector = LabelSelector.all()): Peer {
    return new Peer([{ kind: 'pods', pods, namespaces: { kind: 'selector', selector: namespaces } }], `ns(${namespaces.describe()})/${pods.describe()}`);
  }

  /** Every pod in every namespace of the cluster. */
  public static allPods(): Peer {
    return new Peer([{ kind: 'pods', pods: LabelSelector.all(), namespaces: { kind: 'selector', selector: LabelSelector.all() } }], 'all-pods');
  }

  /**
   * Anyone: every pod, node and address. On ingress this is what a rule
   * without `from` means in Kubernetes (load balancers, ingress controllers,
   * the internet). Other namespaces' pods still need their own egress allowed.
   */
  public static anyone(): Peer {
    return new Peer([{ kind: 'any' }], 'anyone');
  }

  /** The cluster DNS: the kube-dns (CoreDNS) pods in kube-system. */
  public static clusterDns(): Peer {
    return new Peer([{ kind: 'pods', pods: LabelSelector.of(CLUSTER_DNS.labels), namespaces: { kind: 'names', names: [CLUSTER_DNS.namespace] } }], 'cluster-dns');
  }

  /** An IP block, minus the `except` blocks inside it. */
  public static ipBlock(cidr: string, except: readonly string[] = []): Peer {
    return new Peer([{ kind: 'cidr', cidr, except: [...except] }], cidr);
  }

  /**
   * The internet: `0.0.0.0/0` and `::/0` minus RFC 1918, 100.64.0.0/10,
   * link-local, IPv6 unique-local and link-local, `excludeCidrs`, and the pod
   * blocks of the chart's `network` (the VPC's blocks on EKS). Pods of the
   * cluster are therefore never "the internet".
   */
  public static internet(options: InternetOptions = {}): Peer {
    return new Peer([{ kind: 'internet', excludeCidrs: [...(options.excludeCidrs ?? [])] }], 'internet');
  }

  /**
   * The Kubernetes API server: as a destination (controllers, operators) and
   * as a source (admission and conversion webhooks it calls, such as the AWS
   * Load Balancer Controller's, cert-manager's or Karpenter's).
   */
  public static kubeApiServer(options: ApiServerOptions = {}): Peer {
    return new Peer([{ kind: 'apiServer', cidrs: [...(options.cidrs ?? [])] }], 'kube-apiserver');
  }

  /**
   * The cluster's nodes (host-network pods, kubelet health checks): Cilium's
   * `host` and `remote-node` entities, or the node subnets' blocks.
   */
  public static nodes(options: NodesOptions = {}): Peer {
    return new Peer([{ kind: 'nodes', cidrs: [...(options.cidrs ?? [])] }], 'nodes');
  }

  /**
   * The EKS Pod Identity agent, a host-network pod on every node at
   * 169.254.170.23 and fd00:ec2::23 (port 80), where pods of Pod Identity
   * service accounts fetch credentials. Cilium sees it as the `host` entity.
   */
  public static podIdentityAgent(): Peer {
    return new Peer([{ kind: 'podIdentityAgent' }], 'eks-pod-identity-agent');
  }

  /**
   * Interface VPC endpoints (STS, ECR, S3 interface, ...) by the blocks of
   * the subnets they sit in: inside the VPC, so the internet peer excludes
   * them, and IRSA pods that call a private STS endpoint need this peer.
   */
  public static vpcEndpoints(subnetCidrs: readonly string[]): Peer {
    return new Peer(subnetCidrs.map((cidr) => ({ kind: 'cidr', cidr, except: [] })), 'vpc-endpoints');
  }

  /** A fully qualified domain name (Cilium `toFQDNs`, egress only). */
  public static fqdn(name: string): Peer {
    return new Peer([{ kind: 'fqdn', matchName: name }], name);
  }

  /** Domain names matching a pattern such as `*.amazonaws.com` (Cilium `matchPattern`). */
  public static fqdnPattern(pattern: string): Peer {
    return new Peer([{ kind: 'fqdn', matchPattern: pattern }], pattern);
  }

  /** A Kubernetes service by name, where the engine can match services (Calico, Cilium). */
  public static service(name: string, namespace: string): Peer {
    return new Peer([{ kind: 'service', name, namespace }], `svc/${namespace}/${name}`);
  }

  private constructor(
    /** What the peer stands for, as data. */
    public readonly specs: readonly PeerSpec[],
    /** A short stable text used in derived names and messages. */
    public readonly label: string,
  ) {}

  /** Whether the peer is pods of the cluster. */
  public get isPods(): boolean {
    return this.specs.every((s) => s.kind === 'pods');
  }

  /** Records every invalid selector, CIDR, name or pattern of this peer. */
  public validate(problems: Problems, path: string, property: string): void {
    for (const spec of this.specs) validatePeerSpec(spec, problems, path, property);
  }
}

const FQDN_NAME = /^([-a-zA-Z0-9_]+[.]?)+$/;
const FQDN_PATTERN = /^([-a-zA-Z0-9_*]+[.]?)+$|^\*$/;

function validatePeerSpec(spec: PeerSpec, problems: Problems, path: string, property: string): void {
  switch (spec.kind) {
    case 'pods':
      spec.pods.validate(problems, path, `${property} pod selector`);
      if (spec.pods.isEmpty && !spec.pods.selectsAll) {
        problems.add({ path, property: `${property} pod selector`, value: {}, problem: 'is empty, so it matches every pod', fix: 'name the pods\' labels, or say LabelSelector.all() / Peer.allPods() when every pod is meant' });
      }
      if (spec.namespaces.kind === 'names') {
        if (spec.namespaces.names.length === 0) problems.add({ path, property: `${property} namespaces`, value: [], problem: 'is empty', fix: 'name at least one namespace' });
        for (const name of spec.namespaces.names) {
          const error = dns1123LabelError(name);
          if (error) problems.add({ path, property: `${property} namespace`, value: name, problem: error, fix: 'use the namespace name as Kubernetes stores it' });
        }
      } else if (spec.namespaces.kind === 'selector') {
        spec.namespaces.selector.validate(problems, path, `${property} namespace selector`);
        if (spec.namespaces.selector.isEmpty && !spec.namespaces.selector.selectsAll) {
          problems.add({ path, property: `${property} namespace selector`, value: {}, problem: 'is empty, so it matches every namespace', fix: 'name the namespaces\' labels, or use Peer.allPods() when the whole cluster is meant' });
        }
      }
      return;
    case 'any':
      return;
    case 'cidr':
      validateCidr(spec.cidr, problems, path, `${property} CIDR`);
      const outer = parseCidr(spec.cidr).cidr;
      for (const ex of spec.except) {
        validateCidr(ex, problems, path, `${property} except`);
        const inner = parseCidr(ex).cidr;
        if (outer && inner && !cidrContains(outer, inner)) {
          problems.add({ path, property: `${property} except`, value: ex, problem: `is not inside ${spec.cidr}, so it excludes nothing`, fix: `remove it, or widen the block to contain it` });
        }
      }
      return;
    case 'apiServer':
      for (const c of spec.cidrs) validateCidr(c, problems, path, `${property} API server CIDR`);
      return;
    case 'nodes':
      for (const c of spec.cidrs) validateCidr(c, problems, path, `${property} node CIDR`);
      return;
    case 'internet':
      for (const c of spec.excludeCidrs) validateCidr(c, problems, path, `${property} excluded CIDR`);
      return;
    case 'podIdentityAgent':
      return;
    case 'fqdn':
      if (spec.matchName !== undefined && (!FQDN_NAME.test(spec.matchName) || spec.matchName.length > 255)) {
        problems.add({ path, property: `${property} FQDN`, value: spec.matchName, problem: 'is not a DNS name', fix: 'use a name such as "api.example.com", or Peer.fqdnPattern("*.example.com") for wildcards' });
      }
      if (spec.matchPattern !== undefined && (!FQDN_PATTERN.test(spec.matchPattern) || spec.matchPattern.length > 255)) {
        problems.add({ path, property: `${property} FQDN pattern`, value: spec.matchPattern, problem: 'is not a DNS name pattern', fix: 'use letters, digits, "-", "." and "*", such as "*.s3.amazonaws.com"' });
      }
      return;
    case 'service': {
      for (const [what, value] of [['service name', spec.name], ['service namespace', spec.namespace]] as const) {
        const error = dns1123LabelError(value);
        if (error) problems.add({ path, property: `${property} ${what}`, value, problem: error, fix: 'use the name as Kubernetes stores it' });
      }
      return;
    }
  }
}

/** Records a problem when `text` is not a CIDR, with the corrected block when host bits are set. */
export function validateCidr(text: string, problems: Problems, path: string, property: string): void {
  const parsed = parseCidr(text);
  if (parsed.error !== undefined) {
    problems.add({ path, property, value: text, problem: parsed.error, fix: parsed.suggestion ? `write ${parsed.suggestion}` : 'write an IPv4 or IPv6 block such as 10.0.0.0/16' });
  }
}
