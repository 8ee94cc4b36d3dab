import { cidrContains, IpFamily, parseCidr } from '../core/cidr';
import { Problems } from '../core/errors';

/** What the policies of a chart need to know about the cluster's network. */
export interface ClusterNetworkProps {
  /**
   * The address blocks pods get addresses from: on EKS the VPC's blocks
   * (primary, secondary, and on IPv6 clusters the VPC's IPv6 block), since
   * the VPC CNI gives pods VPC addresses. They are excluded from the internet
   * peer: Calico `nets` and Kubernetes `ipBlock` match pod addresses.
   */
  readonly podCidrs: readonly string[];
  /**
   * Whether pods get IPv6 addresses (an IPv6 cluster).
   * @default false
   */
  readonly ipv6?: boolean;
}

/**
 * The cluster's address space as the policy layer sees it. Give it to a
 * `PolicyChart` (`network: cluster.network` on a `SecuredCluster`) so the
 * internet peer never contains the cluster's pods.
 */
export class ClusterNetwork {
  /** A network from its pod address blocks. */
  public static of(props: ClusterNetworkProps): ClusterNetwork {
    return new ClusterNetwork([...props.podCidrs], props.ipv6 ?? false);
  }

  private constructor(
    /** The blocks pods get addresses from. */
    public readonly podCidrs: readonly string[],
    /** Whether pods get IPv6 addresses. */
    public readonly ipv6: boolean,
  ) {}

  /** The pod blocks of one family. */
  public cidrsOf(family: IpFamily): string[] {
    return this.podCidrs.filter((c) => parseCidr(c).cidr?.family === family);
  }

  /** Whether every address of `cidr` is inside one of the pod blocks. */
  public covers(cidr: string): boolean {
    const inner = parseCidr(cidr).cidr;
    return inner !== undefined && this.podCidrs.some((c) => { const outer = parseCidr(c).cidr; return outer !== undefined && cidrContains(outer, inner); });
  }

  /** Records invalid blocks and an IPv6 network without IPv6 blocks. */
  public validate(problems: Problems, path: string): void {
    for (const c of this.podCidrs) {
      const parsed = parseCidr(c);
      if (parsed.error) problems.add({ path, property: 'network.podCidrs', value: c, problem: parsed.error, fix: parsed.suggestion ? `write ${parsed.suggestion}` : 'write the VPC block, such as 10.0.0.0/16' });
    }
    if (this.ipv6 && this.cidrsOf(IpFamily.IPV6).length === 0) {
      problems.add({ path, property: 'network.podCidrs', value: this.podCidrs, problem: 'has no IPv6 block, but pods of an IPv6 cluster get global IPv6 addresses from the VPC\'s block, which "the internet" would otherwise contain', fix: 'add the VPC\'s IPv6 block (its /56)' });
    }
  }
}
