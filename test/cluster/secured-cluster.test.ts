import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import { ClusterEndpoint, PolicyEngine, SecuredCluster } from '../../lib';
import { logicalIdOf, testStack } from '../util';

const CLUSTER_TYPE = 'Custom::AWSCDK-EKS-Cluster';

describe('SecuredCluster defaults', () => {
  // GIVEN a SecuredCluster with no options
  const stack = testStack();
  new SecuredCluster(stack, 'Cluster');
  // WHEN synthesized
  const template = Template.fromStack(stack);

  test('the API endpoint is private only', () => {
    template.hasResourceProperties(CLUSTER_TYPE, {
      Config: Match.objectLike({
        resourcesVpcConfig: Match.objectLike({ endpointPrivateAccess: true, endpointPublicAccess: false }),
      }),
    });
  });

  test('all five control-plane log types are enabled', () => {
    template.hasResourceProperties(CLUSTER_TYPE, {
      Config: Match.objectLike({
        logging: { clusterLogging: [{ enabled: true, types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'] }] },
      }),
    });
  });

  test('secrets are envelope-encrypted with a rotating KMS key', () => {
    const keyId = logicalIdOf(template, 'AWS::KMS::Key');
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.hasResourceProperties(CLUSTER_TYPE, {
      Config: Match.objectLike({ encryptionConfig: [{ provider: { keyArn: { 'Fn::GetAtt': [keyId, 'Arn'] } }, resources: ['secrets'] }] }),
    });
  });

  test('the OIDC provider is a native AWS::IAM::OIDCProvider for STS', () => {
    template.resourceCountIs('Custom::AWSCDKOpenIdConnectProvider', 0);
    template.hasResourceProperties('AWS::IAM::OIDCProvider', { ClientIdList: ['sts.amazonaws.com'] });
  });

  test('nodes require IMDSv2 with hop limit 1 and encrypted gp3 root volumes', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 },
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true, VolumeSize: 50, VolumeType: 'gp3' } }],
      }),
    });
  });

  test('one managed node group of 2-4 m6i.large AL2023 nodes in private subnets', () => {
    template.resourceCountIs('AWS::EKS::Nodegroup', 1);
    template.hasResourceProperties('AWS::EKS::Nodegroup', {
      AmiType: 'AL2023_x86_64_STANDARD',
      InstanceTypes: ['m6i.large'],
      ScalingConfig: { MinSize: 2, DesiredSize: 2, MaxSize: 4 },
      Taints: Match.absent(),
    });
  });

  test('access is managed with access entries (API authentication mode)', () => {
    template.hasResourceProperties(CLUSTER_TYPE, { Config: Match.objectLike({ accessConfig: Match.objectLike({ authenticationMode: 'API' }) }) });
  });

  test('the VPC has flow logs for all traffic', () => {
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL', ResourceType: 'VPC' });
  });

  test('Calico is the default engine', () => {
    template.hasResourceProperties('Custom::AWSCDK-EKS-HelmChart', { Chart: 'tigera-operator' });
  });

  test('the engine waits for the node group, which waits for the VPC CNI add-on', () => {
    const nodegroup = logicalIdOf(template, 'AWS::EKS::Nodegroup');
    const addon = logicalIdOf(template, 'AWS::EKS::Addon');
    const operator = template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'tigera-operator' } });
    expect(Object.values(operator)[0].DependsOn).toContain(nodegroup);
    template.hasResource('AWS::EKS::Nodegroup', { DependsOn: Match.arrayWith([addon]) });
  });

  test('the node role has no CNI permissions; the VPC CNI has its own IRSA role', () => {
    const nodeRoleArn = (template.findResources('AWS::EKS::Nodegroup')[logicalIdOf(template, 'AWS::EKS::Nodegroup')].Properties.NodeRole as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const nodeRole = template.findResources('AWS::IAM::Role')[nodeRoleArn];
    expect(JSON.stringify(nodeRole.Properties.ManagedPolicyArns)).not.toContain('AmazonEKS_CNI_Policy');
    expect(JSON.stringify(nodeRole.Properties.ManagedPolicyArns)).toContain('AmazonEKSWorkerNodePolicy');
    const addon = template.findResources('AWS::EKS::Addon')[logicalIdOf(template, 'AWS::EKS::Addon')];
    const cniRoleId = (addon.Properties.ServiceAccountRoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const cniRole = template.findResources('AWS::IAM::Role')[cniRoleId];
    expect(JSON.stringify(cniRole.Properties.ManagedPolicyArns)).toContain('AmazonEKS_CNI_Policy');
    expect(cniRole.Properties.AssumeRolePolicyDocument.Statement[0].Action).toBe('sts:AssumeRoleWithWebIdentity');
  });
});

describe('SecuredCluster options', () => {
  test('a public endpoint is restricted to the given CIDRs', () => {
    const stack = testStack();
    new SecuredCluster(stack, 'Cluster', { endpoint: ClusterEndpoint.publicAndPrivate(['203.0.113.0/24']) });
    Template.fromStack(stack).hasResourceProperties(CLUSTER_TYPE, {
      Config: Match.objectLike({
        resourcesVpcConfig: Match.objectLike({ endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ['203.0.113.0/24'] }),
      }),
    });
  });

  test('pods that need IMDS get hop limit 2', () => {
    const stack = testStack();
    new SecuredCluster(stack, 'Cluster', { nodeGroup: { podsNeedImds: true } });
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } }),
    });
  });

  test('log types can be reduced to save cost', () => {
    const stack = testStack();
    new SecuredCluster(stack, 'Cluster', { clusterLogging: [eks.ClusterLoggingTypes.AUDIT] });
    Template.fromStack(stack).hasResourceProperties(CLUSTER_TYPE, {
      Config: Match.objectLike({ logging: { clusterLogging: [{ enabled: true, types: ['audit'] }] } }),
    });
  });

  test('node group sizes and instance types are configurable', () => {
    const stack = testStack();
    new SecuredCluster(stack, 'Cluster', { nodeGroup: { minSize: 3, maxSize: 9, instanceTypes: [new ec2.InstanceType('m7i.xlarge')], diskSizeGiB: 100 } });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EKS::Nodegroup', { InstanceTypes: ['m7i.xlarge'], ScalingConfig: { MinSize: 3, DesiredSize: 3, MaxSize: 9 } });
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ BlockDeviceMappings: [Match.objectLike({ Ebs: Match.objectLike({ VolumeSize: 100 }) })] }),
    });
  });

  test('a given VPC is used instead of a new one', () => {
    const stack = testStack();
    const vpc = new ec2.Vpc(stack, 'MyVpc', { maxAzs: 2 });
    new SecuredCluster(stack, 'Cluster', { vpc });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::EC2::FlowLog', 0);
  });
});

describe('SecuredCluster bad input', () => {
  test('a public endpoint without CIDRs fails', () => {
    expect(() => new SecuredCluster(testStack(), 'Cluster', { endpoint: ClusterEndpoint.publicAndPrivate([]) })).toThrow(
      'TestStack/Cluster: endpoint "ClusterEndpoint.publicAndPrivate([])" makes the API endpoint public without restricting it. Fix: pass the CIDRs that may reach it, e.g. ClusterEndpoint.publicAndPrivate(["203.0.113.0/24"]), or use ClusterEndpoint.PRIVATE',
    );
  });

  test('a public endpoint open to 0.0.0.0/0 fails', () => {
    expect(() => new SecuredCluster(testStack(), 'Cluster', { endpoint: ClusterEndpoint.publicAndPrivate(['0.0.0.0/0']) })).toThrow(
      'TestStack/Cluster: endpoint.publicCidrs "0.0.0.0/0" opens the API endpoint to the whole internet. Fix: list only the networks of your operators and CI, or use ClusterEndpoint.PRIVATE',
    );
  });

  test('a CIDR with host bits set fails with the corrected block', () => {
    expect(() => new SecuredCluster(testStack(), 'Cluster', { endpoint: ClusterEndpoint.publicAndPrivate(['203.0.113.7/24']) })).toThrow(
      'TestStack/Cluster: endpoint.publicCidrs "203.0.113.7/24" has host bits set. Fix: use "203.0.113.0/24"',
    );
  });

  test('node group sizes out of order fail', () => {
    expect(() => new SecuredCluster(testStack(), 'Cluster', { nodeGroup: { minSize: 5, desiredSize: 5, maxSize: 3 } })).toThrow(
      'TestStack/Cluster: nodeGroup {"minSize":5,"desiredSize":5,"maxSize":3} is not ordered minSize <= desiredSize <= maxSize.',
    );
  });

  test('several problems are reported at once', () => {
    expect(() => new SecuredCluster(testStack(), 'Cluster', {
      endpoint: ClusterEndpoint.publicAndPrivate(['10.0.0.1/8']),
      clusterLogging: [],
    })).toThrow(/^2 problems:\n- TestStack\/Cluster: endpoint.publicCidrs "10.0.0.1\/8" has host bits set.*\n- TestStack\/Cluster: clusterLogging \[\] turns off every control-plane log/);
  });

  test('engine timeouts above 15 minutes fail', () => {
    expect(() => new SecuredCluster(testStack(), 'Cluster', { engine: PolicyEngine.calico({ timeout: Duration.minutes(20) }) })).toThrow(
      'TestStack/Cluster/PolicyEngine: timeout "1200s" exceeds the 15-minute limit of the kubectl provider Lambda function. Fix: use at most Duration.minutes(15)',
    );
  });
});
