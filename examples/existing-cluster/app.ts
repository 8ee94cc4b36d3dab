import { KubectlV35Layer } from '@aws-cdk/lambda-layer-kubectl-v35';
import { App, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import { IamServiceAccount, PolicyEngine, PolicyEngineInstallation } from 'eks-zero-trust';

/** The attributes of the existing cluster. Replace them with your own. */
export const EXISTING_CLUSTER = {
  clusterName: 'prod',
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  vpcCidrBlock: '10.0.0.0/16',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  privateSubnetIds: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
  /** The cluster security group (or one the control plane admits on 443). */
  securityGroupId: 'sg-0a1b2c3d4e5f60718',
  kubectlRoleArn: 'arn:aws:iam::111111111111:role/prod-kubectl',
  oidcProviderArn: 'arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE',
} as const;

/**
 * Adopting the library in an existing CDK app: the cluster is imported with
 * its kubectl role, OIDC provider, VPC, private subnets and security group
 * (so the kubectl handler runs in the VPC and reaches a private endpoint),
 * then gets the same engine install and IRSA service accounts as a
 * SecuredCluster. The vpc-cni add-on is left to whoever manages it now: a
 * synth warning gives the configuration values Calico needs there.
 */
export function buildApp(app: App = new App()): App {
  const stack = new Stack(app, 'ExistingClusterStack', { env: { account: '111111111111', region: 'eu-west-1' } });
  const a = EXISTING_CLUSTER;
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: a.vpcId,
    vpcCidrBlock: a.vpcCidrBlock,
    availabilityZones: [...a.availabilityZones],
    privateSubnetIds: [...a.privateSubnetIds],
  });
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', {
    clusterName: a.clusterName,
    vpc,
    kubectlPrivateSubnetIds: [...a.privateSubnetIds],
    kubectlSecurityGroupId: a.securityGroupId,
    kubectlRoleArn: a.kubectlRoleArn,
    kubectlLayer: new KubectlV35Layer(stack, 'KubectlLayer'),
    openIdConnectProvider: eks.OpenIdConnectProvider.fromOpenIdConnectProviderArn(stack, 'Oidc', a.oidcProviderArn),
  });
  new PolicyEngineInstallation(stack, 'PolicyEngine', { cluster, engine: PolicyEngine.calico() });
  new IamServiceAccount(stack, 'CalicoServiceAccount', { cluster, name: 'calico-sa', namespace: 'kube-system' });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
