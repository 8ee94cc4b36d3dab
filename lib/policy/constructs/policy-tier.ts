import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { fail } from '../../core/errors';
import { dns1123LabelError } from '../../core/names';
import { CREATED_BY_LABEL } from '../intent';
import { CALICO_DEFAULT_TIER } from '../render/calico';
import { assertNotDelivered } from './delivered';

/** What a Calico tier does with traffic that its policies select but no rule decides. */
export enum TierDefaultAction {
  /** Drop it (Calico's default). */
  DENY = 'Deny',
  /** Hand it to the next tier. */
  PASS = 'Pass',
}

/** Properties of a `PolicyTier`. */
export interface PolicyTierProps {
  /**
   * The tier name.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * The tier's order; lower tiers are evaluated first. Calico's default tier
   * has order 1,000,000, its `kube-admin` tier 1,000.
   */
  readonly order: number;
  /**
   * What happens to traffic the tier's policies select but no rule decides.
   * @default TierDefaultAction.DENY
   */
  readonly defaultAction?: TierDefaultAction;
}

const TIERS = new WeakMap<IConstruct, Map<string, PolicyTier>>();

/**
 * A Calico policy tier. Tiers are evaluated in order; within a tier,
 * policies by their order; a Pass rule hands the decision to the next tier.
 * Teams get rights per tier with `TierAccess`.
 */
export class PolicyTier extends Construct {
  /** The tier of this name defined in the app that holds `scope` (the same cdk8s app), if any. */
  public static find(scope: IConstruct, name: string): PolicyTier | undefined {
    return TIERS.get(scope.node.root)?.get(name);
  }

  /** Names Calico reserves. */
  public static readonly RESERVED_NAMES: readonly string[] = [CALICO_DEFAULT_TIER, 'kube-admin', 'kube-baseline', 'adminnetworkpolicy', 'baselineadminnetworkpolicy', 'calico-system', 'allow-tigera'];

  /** The tier name. */
  public readonly name: string;
  /** The tier's order. */
  public readonly order: number;
  /** What happens to traffic the tier's policies select but no rule decides. */
  public readonly defaultAction: TierDefaultAction;
  /** The cdk8s object. */
  public readonly apiObject: ApiObject;

  constructor(scope: Construct, id: string, props: PolicyTierProps) {
    super(scope, id);
    assertNotDelivered(this, 'tier');
    this.name = props.name ?? id;
    this.order = props.order;
    this.defaultAction = props.defaultAction ?? TierDefaultAction.DENY;
    const nameError = dns1123LabelError(this.name);
    if (nameError) fail({ path: this.node.path, property: 'name', value: this.name, problem: nameError, fix: 'use a DNS-1123 label such as "security"' });
    if (PolicyTier.RESERVED_NAMES.includes(this.name)) {
      fail({ path: this.node.path, property: 'name', value: this.name, problem: 'is a tier Calico creates and manages itself', fix: 'choose another name, such as "security" or "platform"' });
    }
    if (!Number.isFinite(props.order) || props.order <= 0 || props.order >= 1_000_000) {
      fail({ path: this.node.path, property: 'order', value: props.order, problem: 'is not between 0 and Calico\'s default tier (1,000,000)', fix: 'use an order such as 100 for a tier evaluated before the default tier' });
    }
    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: 'projectcalico.org/v3',
      kind: 'Tier',
      metadata: { name: this.name, labels: { ...CREATED_BY_LABEL } },
      spec: { order: props.order, defaultAction: this.defaultAction },
    });
    const registry = TIERS.get(this.node.root) ?? new Map<string, PolicyTier>();
    TIERS.set(this.node.root, registry);
    if (registry.has(this.name)) fail({ path: this.node.path, property: 'name', value: this.name, problem: `is already a tier of this app (${registry.get(this.name)!.node.path})`, fix: 'define each tier once and refer to it by name' });
    registry.set(this.name, this);
  }
}
