import { KubectlV35Layer } from '@aws-cdk/lambda-layer-kubectl-v35';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IamServiceAccount, SecuredCluster, WorkloadIdentity } from '../../lib';
import { embeddedManifests, logicalIdOf, testStack } from '../util';

describe('IRSA service accounts', () => {
  // GIVEN the seed 000 scenario: calico-sa in kube-system with an egress policy
  const stack = testStack();
  const secured = new SecuredCluster(stack, 'Cluster');
  const policy = new iam.ManagedPolicy(stack, 'Egress', { statements: [new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] })] });
  const bucket = new s3.Bucket(stack, 'Bucket');
  // WHEN
  const account = secured.addServiceAccount('CalicoSa', {
    name: 'calico-sa', namespace: 'kube-system', managedPolicies: [policy],
    policyStatements: [new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: ['arn:aws:sqs:eu-west-1:111111111111:q'] })],
  });
  bucket.grantRead(account);
  const template = Template.fromStack(stack);

  test('trust is pinned with StringEquals on :aud and :sub', () => {
    const json = Object.values(template.findResources('Custom::AWSCDKCfnJson'));
    const values = json.map((r) => JSON.stringify(r.Properties.Value));
    expect(values.some((v) => v.includes(':aud') && v.includes('sts.amazonaws.com') && v.includes(':sub') && v.includes('system:serviceaccount:kube-system:calico-sa'))).toBe(true);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: Match.anyValue() } })] },
      ManagedPolicyArns: [{ Ref: Match.stringLikeRegexp('^Egress') }],
    });
  });

  test('the service account is annotated with the role', () => {
    const role = logicalIdOf(template, 'AWS::IAM::Role', (p) => JSON.stringify(p.ManagedPolicyArns ?? []).includes('Egress'));
    expect(embeddedManifests(template)).toContainEqual(expect.objectContaining({
      kind: 'ServiceAccount',
      metadata: expect.objectContaining({ name: 'calico-sa', namespace: 'kube-system', annotations: { 'eks.amazonaws.com/role-arn': `<${role}.Arn>` } }),
    }));
  });

  test('statements and grants land on the role', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([
        Match.objectLike({ Action: 'sqs:SendMessage' }),
        Match.objectLike({ Action: Match.arrayWith(['s3:GetObject*']) }),
      ]) },
    });
    expect(account.serviceAccountName).toBe('calico-sa');
    expect(account.serviceAccountNamespace).toBe('kube-system');
  });
});

test('Pod Identity creates an association and trusts pods.eks.amazonaws.com', () => {
  const stack = testStack();
  const secured = new SecuredCluster(stack, 'Cluster');
  secured.addServiceAccount('App', { name: 'app', namespace: 'shop', identity: WorkloadIdentity.POD_IDENTITY });
  const template = Template.fromStack(stack);
  template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', { Namespace: 'shop', ServiceAccount: 'app' });
  template.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['sts:AssumeRole', 'sts:TagSession'], Principal: { Service: 'pods.eks.amazonaws.com' } })]) },
  });
});

test('IRSA works on an imported cluster with an imported OIDC provider', () => {
  const stack = testStack('Existing');
  const cluster = eks.Cluster.fromClusterAttributes(stack, 'Imported', {
    clusterName: 'prod',
    kubectlRoleArn: 'arn:aws:iam::111111111111:role/kubectl',
    kubectlLayer: new KubectlV35Layer(stack, 'Layer'),
    openIdConnectProvider: eks.OpenIdConnectProvider.fromOpenIdConnectProviderArn(stack, 'Oidc',
      'arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF'),
  });
  new IamServiceAccount(stack, 'Sa', { cluster, name: 'calico-sa', namespace: 'kube-system' });
  Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: { Statement: [Match.objectLike({
      Principal: { Federated: 'arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF' },
    })] },
  });
});

describe('bad names', () => {
  test('an invalid service account name fails', () => {
    const secured = new SecuredCluster(testStack(), 'Cluster');
    expect(() => secured.addServiceAccount('Bad', { name: 'Calico_SA' })).toThrow(
      'TestStack/Cluster/Bad: name "Calico_SA" is not a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", each part starting and ending with a letter or digit). Fix: use a lowercase DNS-1123 name such as "calico-sa"',
    );
  });

  test('an invalid namespace fails', () => {
    const secured = new SecuredCluster(testStack(), 'Cluster');
    expect(() => secured.addServiceAccount('Bad', { name: 'calico-sa', namespace: 'kube.system' })).toThrow(
      'TestStack/Cluster/Bad: namespace "kube.system" is not a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit). Fix: use a lowercase DNS-1123 label such as "kube-system"',
    );
  });
});
