import { App, Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SecuredCluster } from 'eks-zero-trust';

/**
 * Seed 000: Calico with IRSA. The seed runs `eksctl utils
 * associate-iam-oidc-provider`, `aws iam create-policy` and `eksctl create
 * iamserviceaccount`; here the OIDC provider comes with the cluster and the
 * service account is three lines.
 */
export function buildApp(app: App = new App()): App {
  const stack = new Stack(app, 'CalicoIrsaStack');
  const secured = new SecuredCluster(stack, 'Cluster');

  const egressPolicy = new iam.ManagedPolicy(stack, 'CalicoEgressPolicy', {
    description: 'What Calico egress gateways need to manage secondary IPs on node ENIs',
    statements: [
      // EC2 Describe* actions do not support resource-level permissions.
      new iam.PolicyStatement({ sid: 'Read', actions: ['ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'], resources: ['*'] }),
      // Address changes only on network interfaces of the cluster's VPC.
      new iam.PolicyStatement({
        sid: 'AddressesInClusterVpc',
        actions: ['ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
        resources: [`arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:network-interface/*`],
        conditions: { ArnEquals: { 'ec2:Vpc': secured.vpc.vpcArn } },
      }),
    ],
  });
  secured.addServiceAccount('CalicoServiceAccount', {
    name: 'calico-sa',
    namespace: 'kube-system',
    managedPolicies: [egressPolicy],
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
