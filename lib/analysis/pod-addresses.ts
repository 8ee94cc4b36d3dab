import { Cidr, cidrContains, cidrOverlaps } from '../core/cidr';
import { Action } from './model';

/**
 * What the analysis knows about pod addresses, and which reading it makes.
 *
 * Kubernetes `ipBlock`, Calico `nets` and admin policies' `networks` match
 * pods by address (network-policy-api: accepting or denying `0.0.0.0/0`
 * "will allow or deny all IPv4 pod-to-pod traffic as well"); Cilium CIDR
 * rules never select cluster endpoints (docs.cilium.io, "CIDR based":
 * "CIDR rules do not apply to traffic where both sides ... are managed by
 * Cilium"). Offline, a pod's address is unknown: it lies somewhere in the
 * pod ranges (`--pod-cidr`, on EKS the VPC CIDRs), if they are given.
 *
 * - `definite`: what surely holds. Without pod ranges, address rules match no
 *   pod (the analyzer's JSON `allowed`). With them, an allow matches the pods
 *   when the block holds every pod range, a deny as soon as it may hold a pod.
 * - `possible`: what may hold: an allow matches the pods when the block may
 *   hold one (always, without pod ranges), a deny only when it holds all.
 */
export class PodAddresses {
  /** The definite reading without pod ranges. */
  public static readonly UNKNOWN = new PodAddresses(undefined, 'definite');

  /**
   * @param ranges where pods get addresses; undefined when unknown
   * @param reading which reading the analysis makes
   */
  constructor(public readonly ranges: readonly Cidr[] | undefined, public readonly reading: 'definite' | 'possible') {}

  /** How much of the pod ranges a block (undefined: every address) minus its exceptions covers. */
  public coverage(block: Cidr | undefined, except: readonly Cidr[]): 'all' | 'some' | 'none' {
    if (this.ranges === undefined) return 'some';
    const inside = (r: Cidr) => (block === undefined || cidrContains(block, r)) && !except.some((x) => cidrOverlaps(x, r));
    const outside = (r: Cidr) => (block !== undefined && !cidrOverlaps(block, r)) || except.some((x) => cidrContains(x, r));
    if (this.ranges.length > 0 && this.ranges.every(inside)) return 'all';
    return this.ranges.every(outside) ? 'none' : 'some';
  }

  /** Whether a rule of `action` on this block matches pods in this reading. */
  public matchesPods(block: Cidr | undefined, except: readonly Cidr[], action: Action): boolean {
    return this.matchesIn(this.reading, this.coverage(block, except), block === undefined, action);
  }

  /** Whether the two readings differ for this rule: its verdict on pods depends on their addresses. */
  public uncertain(block: Cidr | undefined, except: readonly Cidr[], action: Action): boolean {
    const coverage = this.coverage(block, except);
    return this.matchesIn('definite', coverage, block === undefined, action) !== this.matchesIn('possible', coverage, block === undefined, action);
  }

  private matchesIn(reading: 'definite' | 'possible', coverage: 'all' | 'some' | 'none', everyAddress: boolean, action: Action): boolean {
    // Without pod ranges the definite reading is the analyzer's long-standing
    // one: a block matches no pod, and exceptions exclude none.
    if (this.ranges === undefined && reading === 'definite') return everyAddress;
    const deny = action === 'Deny';
    if (reading === 'definite') return deny ? coverage !== 'none' : coverage === 'all';
    return deny ? coverage === 'all' : coverage !== 'none';
  }
}
