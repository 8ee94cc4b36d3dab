import { CfnJson, Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { Problems } from '../core/errors';
import { dns1123LabelError, dns1123SubdomainError } from '../core/names';
import { needsNamespace } from './cluster-registry';

/** How pods of a service account get AWS credentials. */
export enum WorkloadIdentity {
  /**
   * IAM Roles for Service Accounts: the role trusts the cluster's OIDC provider,
   * pinned with StringEquals on `:aud` (sts.amazonaws.com) and `:sub`
   * (system:serviceaccount:NAMESPACE:NAME). Works on imported clusters that
   * pass `openIdConnectProvider`.
   */
  IRSA = 'irsa',
  /**
   * EKS Pod Identity: the role trusts `pods.eks.amazonaws.com` and an
   * association binds it to the service account. Needs the Pod Identity agent
   * add-on, which aws-cdk-lib adds to clusters it creates.
   */
  POD_IDENTITY = 'pod-identity',
}

/** Options for `IamServiceAccount`. */
export interface IamServiceAccountOptions {
  /** The service account name (a DNS-1123 subdomain). */
  readonly name: string;
  /**
   * The namespace (a DNS-1123 label).
   * @default "default"
   */
  readonly namespace?: string;
  /**
   * How pods obtain the role's credentials.
   * @default WorkloadIdentity.IRSA
   */
  readonly identity?: WorkloadIdentity;
  /**
   * Statements added to the role's inline policy.
   * @default - none; grant later with `grant*` methods of other constructs
   */
  readonly policyStatements?: iam.PolicyStatement[];
  /**
   * Managed policies attached to the role.
   * @default - none
   */
  readonly managedPolicies?: iam.IManagedPolicy[];
}

/** Properties of `IamServiceAccount`. */
export interface IamServiceAccountProps extends IamServiceAccountOptions {
  /** The cluster, created here or imported. */
  readonly cluster: eks.ICluster;
}

/**
 * A Kubernetes service account bound to an IAM role: an IAM principal you can
 * grant to (`bucket.grantRead(account)`).
 */
export class IamServiceAccount extends Construct implements iam.IGrantable {
  /** The role pods of this service account assume. */
  public readonly role: iam.IRole;
  /** The principal to grant permissions to. */
  public readonly grantPrincipal: iam.IPrincipal;
  /** The service account name. */
  public readonly serviceAccountName: string;
  /** The namespace. */
  public readonly serviceAccountNamespace: string;
  /** The underlying aws-cdk-lib service account, for dependencies. */
  public readonly serviceAccount: eks.ServiceAccount;

  constructor(scope: Construct, id: string, props: IamServiceAccountProps) {
    super(scope, id);
    const namespace = props.namespace ?? 'default';
    const problems = new Problems();
    if (!Token.isUnresolved(props.name)) {
      const error = dns1123SubdomainError(props.name);
      if (error) problems.add({ path: this.node.path, property: 'name', value: props.name, problem: error, fix: 'use a lowercase DNS-1123 name such as "calico-sa"' });
    }
    if (!Token.isUnresolved(namespace)) {
      const error = dns1123LabelError(namespace);
      if (error) problems.add({ path: this.node.path, property: 'namespace', value: namespace, problem: error, fix: 'use a lowercase DNS-1123 label such as "kube-system"' });
    }
    problems.throwIfAny();

    this.serviceAccount = new eks.ServiceAccount(this, 'Resource', {
      cluster: props.cluster,
      name: props.name,
      namespace,
      identityType: props.identity === WorkloadIdentity.POD_IDENTITY ? eks.IdentityType.POD_IDENTITY : eks.IdentityType.IRSA,
    });
    // A namespace that a delivered ZeroTrustNamespace creates must exist first.
    if (!Token.isUnresolved(namespace)) needsNamespace(props.cluster, namespace, this.serviceAccount);
    this.role = this.serviceAccount.role;
    this.grantPrincipal = this.serviceAccount.grantPrincipal;
    this.serviceAccountName = this.serviceAccount.serviceAccountName;
    this.serviceAccountNamespace = this.serviceAccount.serviceAccountNamespace;
    for (const statement of props.policyStatements ?? []) this.serviceAccount.addToPrincipalPolicy(statement);
    for (const policy of props.managedPolicies ?? []) this.role.addManagedPolicy(policy);
  }

  /** Adds a statement to the role's inline policy. */
  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    return this.serviceAccount.addToPrincipalPolicy(statement);
  }
}

/**
 * The IRSA principal for an existing service account (one this library does not
 * create, such as the VPC CNI's `kube-system/aws-node`): trust in the cluster's
 * OIDC provider, pinned with StringEquals on `:aud` and `:sub`.
 */
export function irsaPrincipal(scope: Construct, id: string, cluster: eks.ICluster, namespace: string, name: string): iam.IPrincipal {
  const provider = cluster.openIdConnectProvider;
  const issuer = provider.openIdConnectProviderIssuer;
  const conditions = new CfnJson(scope, id, {
    value: {
      [`${issuer}:aud`]: 'sts.amazonaws.com',
      [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${name}`,
    },
  });
  return new iam.OpenIdConnectPrincipal(provider).withConditions({ StringEquals: conditions });
}
