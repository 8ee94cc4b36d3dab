import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ClusterEndpoint, CiliumMode, PolicyEngine, SecuredCluster } from '../../lib';
import { joinedText, logicalIdOf, resourcesOfType, testStack, waitsFor } from '../util';

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
    const keyId = logicalIdOf(template, 'AWS::KMS::Key', (p) => /Kubernetes secrets/.test(String(p.Description)));
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
    const addon = logicalIdOf(template, 'AWS::EKS::Addon', (p) => p.AddonName === 'vpc-cni');
    const operator = template.findResources('Custom::AWSCDK-EKS-HelmChart', { Properties: { Chart: 'tigera-operator' } });
    expect(Object.values(operator)[0].DependsOn).toContain(nodegroup);
    template.hasResource('AWS::EKS::Nodegroup', { DependsOn: Match.arrayWith([addon]) });
  });

  test('the node role has no CNI permissions; the VPC CNI has its own IRSA role', () => {
    const nodeRoleArn = (template.findResources('AWS::EKS::Nodegroup')[logicalIdOf(template, 'AWS::EKS::Nodegroup')].Properties.NodeRole as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const nodeRole = template.findResources('AWS::IAM::Role')[nodeRoleArn];
    expect(JSON.stringify(nodeRole.Properties.ManagedPolicyArns)).not.toContain('AmazonEKS_CNI_Policy');
    expect(JSON.stringify(nodeRole.Properties.ManagedPolicyArns)).toContain('AmazonEKSWorkerNodePolicy');
    const addon = template.findResources('AWS::EKS::Addon')[logicalIdOf(template, 'AWS::EKS::Addon', (p) => p.AddonName === 'vpc-cni')];
    const cniRoleId = (addon.Properties.ServiceAccountRoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const cniRole = template.findResources('AWS::IAM::Role')[cniRoleId];
    expect(JSON.stringify(cniRole.Properties.ManagedPolicyArns)).toContain('AmazonEKS_CNI_Policy');
    expect(cniRole.Properties.AssumeRolePolicyDocument.Statement[0].Action).toBe('sts:AssumeRoleWithWebIdentity');
  });
});

describe('a cluster people can reach after deploy', () => {
  const stack = testStack();
  const secured = new SecuredCluster(stack, 'Cluster');
  const template = Template.fromStack(stack);

  test('outputs name the cluster, its OIDC provider, its secrets key and the kubeconfig command', () => {
    const outputs = template.toJSON().Outputs as { [id: string]: { Value: unknown } };
    const byId = (re: RegExp) => Object.entries(outputs).find(([id]) => re.test(id))![1].Value;
    expect(secured.cluster.clusterName).toBeDefined();
    expect(byId(/ClusterClusterName/)).toEqual({ Ref: logicalIdOf(template, 'Custom::AWSCDK-EKS-Cluster') });
    expect(byId(/OidcProviderArn/)).toEqual({ Ref: logicalIdOf(template, 'AWS::IAM::OIDCProvider') });
    expect(byId(/SecretsKeyArn/)).toEqual({ 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key', (p) => /Kubernetes secrets/.test(String(p.Description))), 'Arn'] });
    expect(joinedText(byId(/UpdateKubeconfigCommand/))).toBe(`aws eks update-kubeconfig --name <${logicalIdOf(template, 'Custom::AWSCDK-EKS-Cluster')}> --region <AWS::Region>`);
  });

  test('CoreDNS and kube-proxy are EKS add-ons created after the node group', () => {
    const nodegroup = logicalIdOf(template, 'AWS::EKS::Nodegroup');
    for (const name of ['coredns', 'kube-proxy']) {
      const id = logicalIdOf(template, 'AWS::EKS::Addon', (p) => p.AddonName === name);
      template.hasResource('AWS::EKS::Addon', { Properties: Match.objectLike({ AddonName: name, ResolveConflicts: 'OVERWRITE' }), DependsOn: Match.arrayWith([nodegroup]) });
      expect(waitsFor(template, id, nodegroup)).toBe(true);
    }
  });

  test('in Cilium ENI mode CoreDNS still comes after the nodes, which come after Cilium', () => {
    const eniStack = testStack();
    new SecuredCluster(eniStack, 'Cluster', { engine: PolicyEngine.cilium({ mode: CiliumMode.ENI }) });
    const t = Template.fromStack(eniStack);
    const coreDns = logicalIdOf(t, 'AWS::EKS::Addon', (p) => p.AddonName === 'coredns');
    expect(waitsFor(t, coreDns, logicalIdOf(t, 'Custom::AWSCDK-EKS-HelmChart', (p) => p.Chart === 'cilium'))).toBe(true);
  });

  test('without admins, nobody but the deploy role has an access entry', () => {
    template.resourceCountIs('AWS::EKS::AccessEntry', 0);
  });

  test('admins get AmazonEKSClusterAdminPolicy on the whole cluster; other entries their own policies', () => {
    const s2 = testStack();
    const admin = iam.Role.fromRoleArn(s2, 'Ops', 'arn:aws:iam::111111111111:role/ops');
    const viewer = iam.Role.fromRoleArn(s2, 'Viewer', 'arn:aws:iam::111111111111:role/viewer');
    new SecuredCluster(s2, 'Cluster', {
      admins: [admin],
      accessEntries: [{ role: viewer, accessPolicies: [eks.AccessPolicy.fromAccessPolicyName('AmazonEKSViewPolicy', { accessScopeType: eks.AccessScopeType.NAMESPACE, namespaces: ['team-a'] })] }],
    });
    const t = Template.fromStack(s2);
    t.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: 'arn:aws:iam::111111111111:role/ops',
      AccessPolicies: [{ AccessScope: { Type: 'cluster' }, PolicyArn: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([':eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy']) ]) }) }],
    });
    t.hasResourceProperties('AWS::EKS::AccessEntry', {
      PrincipalArn: 'arn:aws:iam::111111111111:role/viewer',
      AccessPolicies: [{ AccessScope: { Type: 'namespace', Namespaces: ['team-a'] }, PolicyArn: Match.anyValue() }],
    });
  });
});

describe('hardening a guard pack asks for', () => {
  const stack = testStack();
  new SecuredCluster(stack, 'Cluster');
  const template = Template.fromStack(stack);
  const logsKey = logicalIdOf(template, 'AWS::KMS::Key', (p) => /log groups/.test(String(p.Description)));

  test('the control-plane log group is created first, encrypted, with a retention', () => {
    const group = logicalIdOf(template, 'AWS::Logs::LogGroup', (p) => /\/cluster/.test(JSON.stringify(p.LogGroupName)));
    const props = resourcesOfType(template, 'AWS::Logs::LogGroup')[group].Properties;
    expect(joinedText(props.LogGroupName)).toMatch(/^\/aws\/eks\/TestStack-Cluster-[0-9A-F]{8}\/cluster$/);
    expect(props).toMatchObject({ RetentionInDays: 365, KmsKeyId: { 'Fn::GetAtt': [logsKey, 'Arn'] } });
    expect(waitsFor(template, logicalIdOf(template, 'Custom::AWSCDK-EKS-Cluster'), group)).toBe(true);
    template.hasResourceProperties('Custom::AWSCDK-EKS-Cluster', { Config: Match.objectLike({ name: joinedText(props.LogGroupName).split('/')[3] }) });
  });

  test('VPC flow logs are encrypted with the same key', () => {
    const flowLogGroup = logicalIdOf(template, 'AWS::Logs::LogGroup', (p) => p.LogGroupName === undefined);
    expect(resourcesOfType(template, 'AWS::Logs::LogGroup')[flowLogGroup].Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [logsKey, 'Arn'] });
  });

  test('the logs key lets CloudWatch Logs of this account use it', () => {
    const policy = JSON.stringify(resourcesOfType(template, 'AWS::KMS::Key')[logsKey].Properties.KeyPolicy);
    expect(policy).toMatch(/"Service":\{"Fn::Join":\["",\["logs\.",\{"Ref":"AWS::Region"\},"\.amazonaws\.com"\]\]\}/);
    expect(policy).toContain('kms:EncryptionContext:aws:logs:arn');
  });

  test('both keys allow grants only for AWS resources', () => {
    for (const key of Object.values(resourcesOfType(template, 'AWS::KMS::Key'))) {
      expect((key.Properties.KeyPolicy as { Statement: unknown[] }).Statement).toContainEqual(expect.objectContaining({
        Effect: 'Deny', Action: 'kms:CreateGrant', Principal: { AWS: '*' },
        Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      }));
    }
  });

  test('the VPC\'s default security group is restricted', () => {
    template.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });

  test('public subnets do not map public IPs on launch', () => {
    const subnets = Object.values(resourcesOfType(template, 'AWS::EC2::Subnet'));
    expect(subnets).toHaveLength(4);
    expect(subnets.filter((s) => s.Properties.MapPublicIpOnLaunch === true)).toEqual([]);
  });

  test('nodes have detailed monitoring', () => {
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: Match.objectLike({ Monitoring: { Enabled: true } }) });
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
