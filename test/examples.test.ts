import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ASYNC_EXAMPLES, EXAMPLES } from '../examples';
import { embeddedManifests, joinedText, testApp } from './util';

describe.each(Object.entries(EXAMPLES))('example %s', (_name, build) => {
  test('synthesizes', () => {
    const assembly = build(testApp()).synth();
    expect(assembly.stacks.length).toBeGreaterThan(0);
  });
});

describe.each(Object.entries(ASYNC_EXAMPLES))('example %s', (_name, build) => {
  test('synthesizes', async () => {
    const assembly = (await build(testApp())).synth();
    expect(assembly.stacks.length).toBeGreaterThan(0);
  });
});

test('seed 000: calico-sa in kube-system is an IRSA service account with the egress policy', () => {
  const app = EXAMPLES['calico-irsa'](testApp());
  const stack = app.node.findChild('CalicoIrsaStack') as Stack;
  const template = Template.fromStack(stack);
  expect(embeddedManifests(template)).toContainEqual(expect.objectContaining({
    kind: 'ServiceAccount', metadata: expect.objectContaining({ name: 'calico-sa', namespace: 'kube-system' }),
  }));
  const statements = (Object.values(template.findResources('AWS::IAM::ManagedPolicy'))[0].Properties.PolicyDocument as { Statement: { Sid: string; Action: string[]; Resource: unknown; Condition?: unknown }[] }).Statement;
  expect(statements.find((s) => s.Sid === 'Read')).toMatchObject({ Action: ['ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'], Resource: '*' });
  const change = statements.find((s) => s.Sid === 'AddressesInClusterVpc')!;
  expect(change.Action).toEqual(['ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses']);
  // Scoped to network interfaces of the cluster's VPC, never "*".
  expect(joinedText(change.Resource as unknown[])).not.toBe('*');
  expect(JSON.stringify(change.Resource)).toContain(':network-interface/*');
  expect(JSON.stringify(change.Condition)).toMatch(/"ArnEquals":\{"ec2:Vpc":.*ClusterVpc/);
});

test('two synths of the default example are byte-identical', () => {
  const first = JSON.stringify(Template.fromStack(EXAMPLES['secured-cluster'](testApp()).node.findChild('SecuredClusterStack') as Stack).toJSON());
  const second = JSON.stringify(Template.fromStack(EXAMPLES['secured-cluster'](testApp()).node.findChild('SecuredClusterStack') as Stack).toJSON());
  expect(second).toBe(first);
});
