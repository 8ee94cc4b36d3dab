import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { fail, Problems } from '../../core/errors';
import { dns1123LabelError } from '../../core/names';
import { CREATED_BY_LABEL } from '../intent';
import { assertNotDelivered } from './delivered';
import { PolicyTier } from './policy-tier';

/** Properties of a `TierAccess`. */
export interface TierAccessProps {
  /** The tier the team may manage policies in. */
  readonly tier: PolicyTier;
  /** The namespaces in which the team may manage the tier's namespaced policies. */
  readonly namespaces: readonly string[];
  /**
   * Kubernetes groups of the team (on EKS: mapped by access entries or aws-auth).
   * @default - none
   */
  readonly groups?: readonly string[];
  /**
   * Kubernetes users of the team.
   * @default - none
   */
  readonly users?: readonly string[];
  /**
   * Also let the team manage the tier's global policies.
   * @default false
   */
  readonly globalPolicies?: boolean;
}

const EDIT_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

/**
 * RBAC for a team that owns one Calico tier in some namespaces: it may read
 * the tier and create, change and delete the tier's policies (enforced and
 * staged) only in those namespaces. Uses Calico's tier-scoped resources
 * (`tier.networkpolicies` with resource names `<tier>.*`).
 */
export class TierAccess extends Construct {
  /** The ClusterRole that reads the tier (bound cluster-wide). */
  public readonly tierReader: ApiObject;
  /** The ClusterRole with the rights on the tier's namespaced policies (bound per namespace by RoleBindings). */
  public readonly policyEditor: ApiObject;
  /** The ClusterRole with the rights on the tier's global policies (bound cluster-wide), with `globalPolicies`. */
  public readonly globalPolicyEditor?: ApiObject;

  constructor(scope: Construct, id: string, props: TierAccessProps) {
    super(scope, id);
    assertNotDelivered(this, 'tier access');
    const problems = new Problems();
    const subjects = [
      ...(props.groups ?? []).map((name) => ({ kind: 'Group', name, apiGroup: 'rbac.authorization.k8s.io' })),
      ...(props.users ?? []).map((name) => ({ kind: 'User', name, apiGroup: 'rbac.authorization.k8s.io' })),
    ];
    if (subjects.length === 0) problems.add({ path: this.node.path, property: 'groups/users', value: [], problem: 'are both empty, so nobody gets access', fix: 'name the team\'s Kubernetes groups or users' });
    if (props.namespaces.length === 0 && !props.globalPolicies) problems.add({ path: this.node.path, property: 'namespaces', value: [], problem: 'is empty, so the team can manage nothing', fix: 'name the team\'s namespaces, or set globalPolicies' });
    for (const ns of props.namespaces) {
      const error = dns1123LabelError(ns);
      if (error) problems.add({ path: this.node.path, property: 'namespaces', value: ns, problem: error, fix: 'use namespace names' });
    }
    problems.throwIfAny();
    const tier = props.tier.name;
    const base = `calico-tier-${tier}-${id.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`;
    if (dns1123LabelError(base.slice(0, 63))) fail({ path: this.node.path, property: 'id', value: id, problem: 'does not make a valid role name', fix: 'use an id of letters, digits and "-"' });
    const labels = { ...CREATED_BY_LABEL };
    this.tierReader = new ApiObject(this, 'TierReader', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `${base}-reader`, labels },
      rules: [{ apiGroups: ['projectcalico.org'], resources: ['tiers'], resourceNames: [tier], verbs: ['get'] }],
    });
    // Two roles: a ClusterRole bound cluster-wide grants its namespaced
    // resources in every namespace (kubernetes.io/docs/reference/access-authn-authz/rbac,
    // "ClusterRoleBinding"), so the namespaced policy rights are bound per
    // namespace and the global ones alone cluster-wide.
    const role = (roleId: string, name: string, resources: string[]) => new ApiObject(this, roleId, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name, labels },
      rules: [{ apiGroups: ['projectcalico.org'], resources, resourceNames: [`${tier}.*`], verbs: EDIT_VERBS }],
    });
    this.policyEditor = role('PolicyEditor', `${base}-editor`, ['tier.networkpolicies', 'tier.stagednetworkpolicies']);
    if (props.globalPolicies) this.globalPolicyEditor = role('GlobalPolicyEditor', `${base}-global-editor`, ['tier.globalnetworkpolicies', 'tier.stagedglobalnetworkpolicies']);
    // Binds one of the two roles to the team, cluster-wide or in one namespace.
    const bind = (id: string, role: string, namespace?: string) => new ApiObject(this, id, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: namespace ? 'RoleBinding' : 'ClusterRoleBinding',
      metadata: { name: role, ...(namespace ? { namespace } : {}), labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects,
    });
    bind('TierReaderBinding', `${base}-reader`);
    if (props.globalPolicies) bind('GlobalEditorBinding', `${base}-global-editor`);
    for (const ns of [...props.namespaces].sort()) bind(`EditorBinding-${ns}`, `${base}-editor`, ns);
  }
}
