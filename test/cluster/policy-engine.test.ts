import { KubectlV35Layer } from '@aws-cdk/lambda-layer-kubectl-v35';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import {
  CALICO_CHARTS, CALICO_CRD_RELEASE_BYTES, CalicoCrdInstall, CILIUM_CHAINING_POOL_CANDIDATES, CILIUM_CHART, CILIUM_OPERATOR_EC2_ACTIONS, CiliumMode,
  INSTALLATION_WARNINGS, PolicyEngine, PolicyEngineInstallation, PolicyTarget, SecuredCluster, ZeroTrustError,
} from '../../lib';
import { helmValues, joinedText, logicalIdOf, resourcesOfType, testStack, waitsFor } from '../util';

const HELM = 'Custom::AWSCDK-EKS-HelmChart';

function clusterWith(engine: PolicyEngine): Template {
  const stack = testStack();
  new SecuredCluster(stack, 'Cluster', { engine });
  return Template.fromStack(stack);
}

function importedCluster(stack: Stack, inVpc = false): eks.ICluster {
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-1', vpcCidrBlock: '10.20.0.0/16', availabilityZones: ['eu-west-1a'], privateSubnetIds: ['subnet-1'] });
  return eks.Cluster.fromClusterAttributes(stack, 'Imported', {
    clusterName: 'prod',
    vpc,
    ...(inVpc ? { kubectlPrivateSubnetIds: ['subnet-1'], kubectlSecurityGroupId: 'sg-1' } : {}),
    kubectlRoleArn: 'arn:aws:iam::111111111111:role/kubectl',
    kubectlLayer: new KubectlV35Layer(stack, 'KubectlLayer'),
    openIdConnectProvider: eks.OpenIdConnectProvider.fromOpenIdConnectProviderArn(stack, 'Oidc',
      'arn:aws:iam::111111111111:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF'),
  });
}

describe('Calico', () => {
  const template = clusterWith(PolicyEngine.calico());

  test('the CRD chart is its own release, from the Calico repository, pinned', () => {
    template.hasResourceProperties(HELM, {
      Chart: CALICO_CHARTS.crdChart, Repository: CALICO_CHARTS.repository, Version: 'v3.32.1',
      Namespace: 'tigera-operator', Release: 'calico-crds', Wait: true, Timeout: '600s',
    });
  });

  test('the operator is installed after the CRDs, skipping chart CRDs', () => {
    const crds = logicalIdOf(template, HELM, (p) => p.Chart === CALICO_CHARTS.crdChart);
    template.hasResource(HELM, {
      Properties: Match.objectLike({ Chart: 'tigera-operator', Version: 'v3.32.1', Namespace: 'tigera-operator', Release: 'calico', SkipCrds: true }),
      DependsOn: Match.arrayWith([crds]),
    });
  });

  test('the operator values select EKS, the AmazonVPC CNI, no BGP and the API server', () => {
    expect(helmValues(template, 'tigera-operator')).toEqual({
      installation: { enabled: true, kubernetesProvider: 'EKS', cni: { type: 'AmazonVPC' }, calicoNetwork: { bgp: 'Disabled' } },
      apiServer: { enabled: true },
      goldmane: { enabled: false },
      whisker: { enabled: false },
    });
  });

  test('the VPC CNI annotates pod IPs and keeps its own network policy off', () => {
    template.hasResourceProperties('AWS::EKS::Addon', {
      AddonName: 'vpc-cni', ResolveConflicts: 'OVERWRITE',
      ConfigurationValues: JSON.stringify({ enableNetworkPolicy: 'false', env: { ANNOTATE_POD_IP: 'true' } }),
    });
  });

  test('readiness waits for the Calico API server after the operator, printing only once it is Available', () => {
    const operator = logicalIdOf(template, HELM, (p) => p.Chart === 'tigera-operator');
    template.hasResource('Custom::AWSCDK-EKS-KubernetesObjectValue', {
      Properties: Match.objectLike({ ObjectType: 'apiservice', ObjectName: 'v3.projectcalico.org', JsonPath: '.status.conditions[?(@.status=="True")].type', TimeoutSeconds: 600 }),
      DependsOn: Match.arrayWith([operator]),
    });
  });

  describe('the CRDs and Helm\'s 1 MiB release limit', () => {
    test('the pinned CRD release is measured and fits', () => {
      expect(CALICO_CRD_RELEASE_BYTES['v3.32.1']).toBeLessThan(1024 * 1024);
    });

    test('a version whose CRD release is not measured gets a warning naming the fix', () => {
      const stack = testStack();
      new SecuredCluster(stack, 'Cluster', { engine: PolicyEngine.calico({ version: '3.32.0' }) });
      Annotations.fromStack(stack).hasWarning('/TestStack/Cluster/PolicyEngine', Match.stringLikeRegexp('Helm release size of Calico\'s CRD chart v3.32.0 is not measured.*crds: CalicoCrdInstall.EXTERNAL'));
    });

    test('a version measured over the limit fails at synth with the size and the fix', () => {
      const table = CALICO_CRD_RELEASE_BYTES as { [version: string]: number };
      table['v3.33.0'] = 1_100_000;
      try {
        expect(() => new SecuredCluster(testStack(), 'Cluster', { engine: PolicyEngine.calico({ version: '3.33.0' }) })).toThrow(
          'TestStack/Cluster/PolicyEngine: PolicyEngine.calico({ version }) "3.33.0" has a CRD chart whose Helm release takes 1100000 bytes, over the 1 MiB (1048576 bytes) of Helm\'s release Secret; helm install fails with "Too long". Fix: install the CRDs outside Helm (crds: CalicoCrdInstall.EXTERNAL)',
        );
      } finally {
        delete table['v3.33.0'];
      }
    });

    test('CRDs installed outside Helm: no CRD release, the operator waits for the Installation CRD', () => {
      const external = clusterWith(PolicyEngine.calico({ crds: CalicoCrdInstall.EXTERNAL }));
      expect(Object.values(resourcesOfType(external, HELM)).map((r) => r.Properties.Chart)).not.toContain(CALICO_CHARTS.crdChart);
      const wait = logicalIdOf(external, 'Custom::AWSCDK-EKS-KubernetesObjectValue', (p) => p.ObjectName === CALICO_CHARTS.installationCrd);
      external.hasResource(HELM, { Properties: Match.objectLike({ Chart: 'tigera-operator' }), DependsOn: Match.arrayWith([wait]) });
    });
  });

  test('flow logs deploy Goldmane and Whisker', () => {
    const values = helmValues(clusterWith(PolicyEngine.calico({ flowLogs: true })), 'tigera-operator');
    expect(values.goldmane).toEqual({ enabled: true });
    expect(values.whisker).toEqual({ enabled: true });
  });

  test('raw values are deep-merged last', () => {
    const values = helmValues(clusterWith(PolicyEngine.calico({ values: { installation: { controlPlaneReplicas: 3 }, apiServer: { enabled: true } } })), 'tigera-operator');
    expect(values.installation).toEqual({ enabled: true, kubernetesProvider: 'EKS', cni: { type: 'AmazonVPC' }, calicoNetwork: { bgp: 'Disabled' }, controlPlaneReplicas: 3 });
  });

  test('a version without "v" is normalized for the chart', () => {
    clusterWith(PolicyEngine.calico({ version: '3.32.0' })).hasResourceProperties(HELM, { Chart: 'tigera-operator', Version: 'v3.32.0' });
  });

  test('the target enables tiers, staged policies and Deny/Log/Pass', () => {
    expect(PolicyEngine.calico().target).toBe(PolicyTarget.CALICO);
  });
});

describe('Cilium', () => {
  test('chaining mode is the default, on the VPC CNI', () => {
    const template = clusterWith(PolicyEngine.cilium());
    template.hasResourceProperties(HELM, {
      Chart: 'cilium', Repository: CILIUM_CHART.repository, Version: '1.19.4', Namespace: 'kube-system', Release: 'cilium', Wait: true,
    });
    expect(helmValues(template, 'cilium')).toEqual({
      cni: { chainingMode: 'aws-cni', exclusive: false },
      enableIPv4Masquerade: false,
      routingMode: 'native',
      endpointRoutes: { enabled: true },
      ipam: { operator: { clusterPoolIPv4PodCIDRList: ['100.127.0.0/16'], clusterPoolIPv4MaskSize: 28 } },
      hubble: { enabled: true, relay: { enabled: false }, ui: { enabled: false } },
      policyAuditMode: false,
    });
    template.hasResourceProperties('AWS::EKS::Addon', { ConfigurationValues: JSON.stringify({ enableNetworkPolicy: 'false' }) });
    expect(PolicyEngine.cilium().target).toBe(PolicyTarget.CILIUM_CHAINING);
  });

  describe('chaining mode\'s cilium_host pool', () => {
    test('defaults to a block outside the VPC (the chart\'s 10.0.0.0/8 overlaps it)', () => {
      const values = helmValues(clusterWith(PolicyEngine.cilium()), 'cilium') as { ipam: { operator: { clusterPoolIPv4PodCIDRList: string[] } } };
      expect(values.ipam.operator.clusterPoolIPv4PodCIDRList).toEqual([CILIUM_CHAINING_POOL_CANDIDATES[0]]);
    });

    test('skips a candidate the VPC uses', () => {
      const stack = testStack();
      const vpc = new ec2.Vpc(stack, 'Vpc', { ipAddresses: ec2.IpAddresses.cidr('100.127.0.0/16'), maxAzs: 2 });
      new SecuredCluster(stack, 'Cluster', { vpc, engine: PolicyEngine.cilium() });
      const values = helmValues(Template.fromStack(stack), 'cilium') as { ipam: { operator: { clusterPoolIPv4PodCIDRList: string[] } } };
      expect(values.ipam.operator.clusterPoolIPv4PodCIDRList).toEqual([CILIUM_CHAINING_POOL_CANDIDATES[1]]);
    });

    test('a pool that overlaps the VPC fails at synth', () => {
      expect(() => clusterWith(PolicyEngine.cilium({ chainingPoolCidr: '10.0.128.0/20' }))).toThrow(
        'TestStack/Cluster/PolicyEngine: PolicyEngine.cilium({ chainingPoolCidr }) "10.0.128.0/20" overlaps the VPC block 10.0.0.0/16; cilium_host would take addresses the VPC routes elsewhere. Fix: choose a block outside every VPC block, such as one of 100.127.0.0/16, 198.18.0.0/16',
      );
    });

    test('on an imported VPC the pool can only be checked against the primary block: a warning says so', () => {
      const stack = testStack('Existing');
      new PolicyEngineInstallation(stack, 'Engine', { cluster: importedCluster(stack, true), engine: PolicyEngine.cilium() });
      Annotations.fromStack(stack).hasWarning('/Existing/Engine', Match.stringLikeRegexp('chaining pool 100.127.0.0/16 could only be checked against the VPC blocks known at synth \\(10.20.0.0/16\\)'));
    });
  });

  test('chaining mode restarts CoreDNS once Cilium\'s CRDs are established, after the CoreDNS add-on', () => {
    const template = clusterWith(PolicyEngine.cilium());
    const patch = logicalIdOf(template, 'Custom::AWSCDK-EKS-KubernetesPatch', (p) => p.ResourceName === 'deployment/coredns');
    const coreDns = logicalIdOf(template, 'AWS::EKS::Addon', (p) => p.AddonName === 'coredns');
    const crdWaits = Object.keys(template.findResources('Custom::AWSCDK-EKS-KubernetesObjectValue'));
    expect(crdWaits).toHaveLength(2);
    for (const id of [coreDns, ...crdWaits]) expect(waitsFor(template, patch, id)).toBe(true);
    template.hasResourceProperties('Custom::AWSCDK-EKS-KubernetesPatch', {
      ResourceName: 'deployment/coredns', ResourceNamespace: 'kube-system',
      ApplyPatchJson: JSON.stringify({ spec: { template: { metadata: { annotations: { 'eks-zero-trust.io/managed-by-cilium': '1.19.4' } } } } }),
    });
  });

  test('SCTP support is an option', () => {
    expect(helmValues(clusterWith(PolicyEngine.cilium({ sctp: true })), 'cilium').sctp).toEqual({ enabled: true });
  });

  test('Hubble UI implies relay; audit mode is passed through', () => {
    const values = helmValues(clusterWith(PolicyEngine.cilium({ hubbleUi: true, policyAuditMode: true })), 'cilium');
    expect(values.hubble).toEqual({ enabled: true, relay: { enabled: true }, ui: { enabled: true } });
    expect(values.policyAuditMode).toBe(true);
  });

  describe('ENI mode', () => {
    const template = clusterWith(PolicyEngine.cilium({ mode: CiliumMode.ENI }));

    test('the chart creates the operator\'s service account (and so its RBAC), annotated with the IRSA role', () => {
      const values = helmValues(template, 'cilium') as { eni: { enabled: boolean; iamRole: unknown } };
      expect(values).toMatchObject({ ipam: { mode: 'eni' }, routingMode: 'native', serviceAccounts: { operator: { create: true, name: 'cilium-operator' } } });
      const roleId = logicalIdOf(template, 'AWS::IAM::Role', (p) => /Cilium operator/.test(String(p.Description)));
      expect(values.eni).toEqual({ enabled: true, iamRole: `<${roleId}.Arn>` });
      template.hasResourceProperties(HELM, { Chart: 'cilium', Wait: Match.absent() });
      // No service account of our own next to the chart's.
      expect(Object.keys(template.toJSON().Resources).filter((id) => /CiliumOperatorServiceAccount/.test(id))).toEqual([]);
    });

    test('the role trusts only kube-system/cilium-operator, on both :aud and :sub', () => {
      const role = Object.values(resourcesOfType(template, 'AWS::IAM::Role')).find((r) => /Cilium operator/.test(String(r.Properties.Description)))!;
      const trust = JSON.stringify(role.Properties.AssumeRolePolicyDocument);
      const conditions = Object.entries(resourcesOfType(template, 'Custom::AWSCDKCfnJson')).find(([id]) => trust.includes(id))![1];
      expect(joinedText(conditions.Properties.Value)).toMatch(/:aud":"sts.amazonaws.com",".*:sub":"system:serviceaccount:kube-system:cilium-operator"\}$/);
    });

    test('nodes carry the agent-not-ready taint and are created after Cilium', () => {
      const chart = logicalIdOf(template, HELM, (p) => p.Chart === 'cilium');
      template.hasResource('AWS::EKS::Nodegroup', {
        Properties: Match.objectLike({ Taints: [{ Key: 'node.cilium.io/agent-not-ready', Value: 'true', Effect: 'NO_EXECUTE' }] }),
        DependsOn: Match.arrayWith([chart]),
      });
    });

    test('the action list is the one Cilium\'s ENI IPAM page lists under "Required Privileges"', () => {
      // https://docs.cilium.io/en/v1.19/network/concepts/ipam/eni/#required-privileges: the base list,
      // plus DescribeTags (ENI garbage collection is on by default).
      expect([...CILIUM_OPERATOR_EC2_ACTIONS].sort()).toEqual([
        'ec2:AssignPrivateIpAddresses', 'ec2:AttachNetworkInterface', 'ec2:CreateNetworkInterface', 'ec2:CreateTags',
        'ec2:DeleteNetworkInterface', 'ec2:DescribeInstanceTypes', 'ec2:DescribeManagedPrefixLists', 'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeRouteTables', 'ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeTags', 'ec2:DescribeVpcs',
        'ec2:GetManagedPrefixListEntries', 'ec2:ModifyNetworkInterfaceAttribute',
      ]);
    });

    function operatorStatements(t: Template): { Sid: string; Action: string | string[]; Resource: unknown; Condition?: unknown }[] {
      const policies = Object.values(resourcesOfType(t, 'AWS::IAM::Policy'));
      const operator = policies.find((p) => JSON.stringify(p.Properties.PolicyDocument).includes('ec2:CreateNetworkInterface'))!;
      return (operator.Properties.PolicyDocument as { Statement: { Sid: string; Action: string | string[]; Resource: unknown; Condition?: unknown }[] }).Statement;
    }

    test('the operator gets exactly those actions: reads on "*", changes scoped to the cluster\'s VPC', () => {
      const statements = operatorStatements(template);
      const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
      expect([...new Set(actions)].sort()).toEqual([...CILIUM_OPERATOR_EC2_ACTIONS].sort());
      const bySid = new Map(statements.map((s) => [s.Sid, s]));
      expect(bySid.get('ReadNetwork')!.Resource).toBe('*');
      expect(bySid.get('ReadNetwork')!.Action).not.toContain('ec2:CreateNetworkInterface');
      for (const sid of ['ManageInterfacesInClusterVpc', 'TagInterfacesInClusterVpc']) {
        expect(JSON.stringify(bySid.get(sid)!.Condition)).toMatch(/"ArnEquals":\{"ec2:Vpc":\{"Fn::Join":.*ClusterVpc/);
        expect(JSON.stringify(bySid.get(sid)!.Resource)).not.toContain('"*"');
      }
      expect(JSON.stringify(bySid.get('TagInterfacesInClusterVpc')!.Resource)).toMatch(/network-interface\/\*"\]\]\}$/);
      expect(JSON.stringify(bySid.get('AttachToInstances'))).toMatch(/instance\/\*/);
    });

    test('actions for optional features come with their values', () => {
      const t = clusterWith(PolicyEngine.cilium({ mode: CiliumMode.ENI, values: { eni: { awsReleaseExcessIPs: true } } }));
      const actions = operatorStatements(t).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
      expect(actions).toContain('ec2:UnassignPrivateIpAddresses');
      expect(operatorStatements(template).flatMap((s) => s.Action)).not.toContain('ec2:UnassignPrivateIpAddresses');
    });

    test('policies wait for Cilium\'s CRDs, and the CRD checks wait for the node group (the operator that registers them runs on it)', () => {
      const nodegroup = logicalIdOf(template, 'AWS::EKS::Nodegroup');
      const waits = resourcesOfType(template, 'Custom::AWSCDK-EKS-KubernetesObjectValue');
      expect(Object.values(waits).map((w) => w.Properties.ObjectName).sort()).toEqual([...CILIUM_CHART.policyCrds].sort());
      for (const [id, w] of Object.entries(waits)) {
        expect(w.Properties).toMatchObject({ ObjectType: 'crd', JsonPath: '.status.conditions[?(@.reason=="InitialNamesAccepted")].type' });
        expect(waitsFor(template, id, nodegroup)).toBe(true);
      }
      expect(waitsFor(template, nodegroup, logicalIdOf(template, HELM, (p) => p.Chart === 'cilium'))).toBe(true);
    });

    test('the VPC CNI is kept off the nodes, and no vpc-cni add-on is managed', () => {
      expect(Object.values(resourcesOfType(template, 'AWS::EKS::Addon')).map((a) => a.Properties.AddonName).sort()).toEqual(['coredns', 'kube-proxy']);
      template.hasResourceProperties('Custom::AWSCDK-EKS-KubernetesPatch', {
        ResourceName: 'daemonset/aws-node', ResourceNamespace: 'kube-system',
        ApplyPatchJson: JSON.stringify({ spec: { template: { spec: { nodeSelector: { 'io.cilium/aws-node-enabled': 'true' } } } } }),
      });
    });

    test('the target enforces L7 and FQDN rules', () => {
      expect(PolicyEngine.cilium({ mode: CiliumMode.ENI }).target).toBe(PolicyTarget.CILIUM);
    });
  });
});

describe('VPC CNI native network policy', () => {
  test('the add-on enables the network policy agent, no Helm chart', () => {
    const template = clusterWith(PolicyEngine.vpcCni({ policyEventLogs: true, strictMode: true }));
    template.hasResourceProperties('AWS::EKS::Addon', {
      AddonName: 'vpc-cni',
      ConfigurationValues: JSON.stringify({ enableNetworkPolicy: 'true', env: { NETWORK_POLICY_ENFORCING_MODE: 'strict' }, nodeAgent: { enablePolicyEventLogs: 'true' } }),
    });
    template.resourceCountIs(HELM, 0);
  });

  test('an add-on version is passed through', () => {
    clusterWith(PolicyEngine.vpcCni({ addonVersion: 'v1.20.4-eksbuild.1' })).hasResourceProperties('AWS::EKS::Addon', { AddonVersion: 'v1.20.4-eksbuild.1' });
  });
});

describe('exactly one enforcer', () => {
  test('a second engine on the same cluster fails', () => {
    const stack = testStack();
    const secured = new SecuredCluster(stack, 'Cluster');
    expect(() => new PolicyEngineInstallation(stack, 'Second', { cluster: secured.cluster, engine: PolicyEngine.vpcCni() })).toThrow(
      'TestStack/Second: engine "vpc-cni" is a second policy engine for the cluster, which already runs calico (installed by TestStack/Cluster/PolicyEngine); two enforcers would each drop traffic the other allows. Fix: install exactly one engine per cluster: remove one of the two installations',
    );
  });

  test('Calico next to a vpc-cni add-on that enforces policy fails at synth', () => {
    const stack = testStack();
    const secured = new SecuredCluster(stack, 'Cluster');
    new eks.CfnAddon(stack, 'OtherAddon', { clusterName: secured.cluster.clusterName, addonName: 'vpc-cni', configurationValues: JSON.stringify({ enableNetworkPolicy: 'true' }) });
    expect(() => Template.fromStack(stack)).toThrow(/TestStack\/Cluster\/PolicyEngine: engine "calico" conflicts with TestStack\/OtherAddon, a vpc-cni add-on with enableNetworkPolicy "true"/);
  });

  test('a second Cilium chart installed by hand fails at synth', () => {
    const stack = testStack();
    const secured = new SecuredCluster(stack, 'Cluster');
    secured.cluster.addHelmChart('ByHand', { chart: 'cilium', repository: CILIUM_CHART.repository });
    expect(() => Template.fromStack(stack)).toThrow(/conflicts with TestStack\/Cluster\/Cluster\/chart-ByHand, a second "cilium" Helm release/);
  });
});

describe('engine bad input', () => {
  const cases: Array<[string, PolicyEngine, string]> = [
    ['a Calico version that is not a release', PolicyEngine.calico({ version: 'latest' }),
      'TestStack/Cluster/PolicyEngine: PolicyEngine.calico({ version }) "latest" is not a Calico release version. Fix: use a version such as "3.32.1"'],
    ['a Calico version before 3.32', PolicyEngine.calico({ version: '3.31.7' }),
      'TestStack/Cluster/PolicyEngine: PolicyEngine.calico({ version }) "3.31.7" is older than 3.32, whose charts this library installs (CRDs in their own chart). Fix: use 3.32 or later, for example "3.32.1"'],
    ['a Cilium version outside 1.19-1.20', PolicyEngine.cilium({ version: '1.18.2' }),
      'TestStack/Cluster/PolicyEngine: PolicyEngine.cilium({ version }) "1.18.2" is outside the supported range 1.19.x-1.20.x. Fix: use a 1.19 or 1.20 release, for example "1.19.4"'],
    ['a Cilium version that is not semver', PolicyEngine.cilium({ version: 'v1.19' }),
      'TestStack/Cluster/PolicyEngine: PolicyEngine.cilium({ version }) "v1.19" is not a Cilium chart version (MAJOR.MINOR.PATCH). Fix: use a version such as "1.19.4"'],
    ['an add-on version in the wrong format', PolicyEngine.vpcCni({ addonVersion: '1.20' }),
      'TestStack/Cluster/PolicyEngine: PolicyEngine.vpcCni({ addonVersion }) "1.20" is not an EKS add-on version. Fix: use the form "v1.20.4-eksbuild.1" (see `aws eks describe-addon-versions --addon-name vpc-cni`)'],
    ['ENI mode with chaining values', PolicyEngine.cilium({ mode: CiliumMode.ENI, values: { cni: { chainingMode: 'aws-cni' } } }),
      'TestStack/Cluster/PolicyEngine: values.cni.chainingMode "aws-cni" conflicts with mode CiliumMode.ENI. Fix: remove it, or use mode CiliumMode.CHAINING'],
    ['chaining mode with ENI values', PolicyEngine.cilium({ values: { eni: { enabled: true } } }),
      'TestStack/Cluster/PolicyEngine: values.eni.enabled true conflicts with mode CiliumMode.CHAINING. Fix: remove it, or use mode CiliumMode.ENI'],
    ['Calico networking instead of policy-only', PolicyEngine.calico({ values: { installation: { cni: { type: 'Calico' } } } }),
      'TestStack/Cluster/PolicyEngine: values.installation.cni.type "Calico" conflicts with policy-only mode on the VPC CNI. Fix: remove it; this library runs Calico for policy on top of the AWS VPC CNI'],
    ['VPC CNI engine with its policy agent off', PolicyEngine.vpcCni({ configurationValues: { enableNetworkPolicy: 'false' } }),
      'TestStack/Cluster/PolicyEngine: configurationValues.enableNetworkPolicy "false" turns off the engine this option installs. Fix: remove it, or choose another engine'],
  ];
  test.each(cases)('%s fails', (_name, engine, message) => {
    expect(() => new SecuredCluster(testStack(), 'Cluster', { engine })).toThrow(message);
  });

  test('errors are ZeroTrustErrors', () => {
    expect(() => new SecuredCluster(testStack(), 'Cluster', { engine: PolicyEngine.calico({ version: 'x' }) })).toThrow(ZeroTrustError);
  });
});

describe('existing cluster', () => {
  test('an imported cluster gets the same engine install through its kubectl role', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:disable-asset-staging': true } }), 'Existing');
    const cluster = importedCluster(stack, true);
    const install = new PolicyEngineInstallation(stack, 'Engine', { cluster, engine: PolicyEngine.calico() });
    const template = Template.fromStack(stack);
    template.hasResourceProperties(HELM, { ClusterName: 'prod', RoleArn: 'arn:aws:iam::111111111111:role/kubectl', Chart: 'tigera-operator' });
    expect(PolicyEngineInstallation.of(cluster)).toBe(install);
  });

  test('the vpc-cni add-on an imported cluster already has is not created again; a warning gives its configuration', () => {
    const stack = testStack('Existing');
    new PolicyEngineInstallation(stack, 'Engine', { cluster: importedCluster(stack, true), engine: PolicyEngine.calico() });
    Template.fromStack(stack).resourceCountIs('AWS::EKS::Addon', 0);
    Annotations.fromStack(stack).hasWarning('/Existing/Engine', Match.stringLikeRegexp(`configurationValues \\{"enableNetworkPolicy":"false","env":\\{"ANNOTATE_POD_IP":"true"\\}\\}.*\\[ack: ${INSTALLATION_WARNINGS.vpcCniUnmanaged}\\]`));
  });

  test('the add-on can still be managed on an imported cluster', () => {
    const stack = testStack('Existing');
    new PolicyEngineInstallation(stack, 'Engine', { cluster: importedCluster(stack, true), engine: PolicyEngine.calico(), manageVpcCniAddon: true });
    Template.fromStack(stack).hasResourceProperties('AWS::EKS::Addon', { ClusterName: 'prod', AddonName: 'vpc-cni' });
  });

  test('an imported cluster whose kubectl handler is outside the VPC gets a warning saying what to pass', () => {
    const stack = testStack('Existing');
    new PolicyEngineInstallation(stack, 'Engine', { cluster: importedCluster(stack), engine: PolicyEngine.calico() });
    Annotations.fromStack(stack).hasWarning('/Existing/Engine', Match.stringLikeRegexp('Pass vpc, kubectlPrivateSubnetIds and kubectlSecurityGroupId to eks.Cluster.fromClusterAttributes'));
  });

  test('an imported cluster in the VPC with its add-on managed gets no warning', () => {
    const stack = testStack('Existing');
    new PolicyEngineInstallation(stack, 'Engine', { cluster: importedCluster(stack, true), engine: PolicyEngine.vpcCni(), manageVpcCniAddon: true });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('eks-zero-trust'));
  });

  test('a second vpc-cni add-on for the same cluster fails at synth', () => {
    const stack = testStack();
    const secured = new SecuredCluster(stack, 'Cluster');
    new eks.CfnAddon(stack, 'OtherAddon', { clusterName: secured.cluster.clusterName, addonName: 'vpc-cni' });
    expect(() => Template.fromStack(stack)).toThrow(/the vpc-cni add-on is created twice for the cluster, here and by TestStack\/OtherAddon/);
  });

  test('ENI mode on an imported cluster without its VPC fails at synth', () => {
    const stack = testStack('Existing');
    const cluster = eks.Cluster.fromClusterAttributes(stack, 'NoVpc', { clusterName: 'prod', kubectlRoleArn: 'arn:aws:iam::111111111111:role/kubectl' });
    expect(() => new PolicyEngineInstallation(stack, 'Engine', { cluster, engine: PolicyEngine.cilium({ mode: CiliumMode.ENI }) })).toThrow(
      'Existing/Engine: cluster.vpc undefined is missing; ENI mode scopes the Cilium operator\'s EC2 permissions to the cluster\'s VPC. Fix: pass vpc to eks.Cluster.fromClusterAttributes',
    );
  });
});
