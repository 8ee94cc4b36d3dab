import { App, Stack } from 'aws-cdk-lib';
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
    statements: [new iam.PolicyStatement({
      actions: [
        'ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets',
        'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
      ],
      // EC2 Describe* actions do not support resource-level permissions.
      resources: ['*'],
    })],
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
