import { KubectlV35Layer } from '@aws-cdk/lambda-layer-kubectl-v35';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as eks from 'aws-cdk-lib/aws-eks';
import {
  CALICO_CHARTS, CILIUM_CHART, CiliumMode, PolicyEngine, PolicyEngineInstallation, PolicyTarget, SecuredCluster, ZeroTrustError,
} from '../../lib';
import { embeddedManifests, helmValues, logicalIdOf, resourcesOfType, testStack } from '../util';

const HELM = 'Custom::AWSCDK-EKS-HelmChart';

function clusterWith(engine: PolicyEngine): Template {
  const stack = testStack();
  new SecuredCluster(stack, 'Cluster', { engine });
  return Template.fromStack(stack);
}

function importedCluster(stack: Stack): eks.ICluster {
  return eks.Cluster.fromClusterAttributes(stack, 'Imported', {
    clusterName: 'prod',
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

  test('readiness waits for the Calico API server after the operator', () => {
    const operator = logicalIdOf(template, HELM, (p) => p.Chart === 'tigera-operator');
    template.hasResource('Custom::AWSCDK-EKS-KubernetesObjectValue', {
      Properties: Match.objectLike({ ObjectType: 'apiservice', ObjectName: 'v3.projectcalico.org', TimeoutSeconds: 600 }),
      DependsOn: Match.arrayWith([operator]),
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
      hubble: { enabled: true, relay: { enabled: false }, ui: { enabled: false } },
      policyAuditMode: false,
    });
    template.hasResourceProperties('AWS::EKS::Addon', { ConfigurationValues: JSON.stringify({ enableNetworkPolicy: 'false' }) });
    expect(PolicyEngine.cilium().target).toBe(PolicyTarget.CILIUM_CHAINING);
  });

  test('Hubble UI implies relay; audit mode is passed through', () => {
    const values = helmValues(clusterWith(PolicyEngine.cilium({ hubbleUi: true, policyAuditMode: true })), 'cilium');
    expect(values.hubble).toEqual({ enabled: true, relay: { enabled: true }, ui: { enabled: true } });
    expect(values.policyAuditMode).toBe(true);
  });

  describe('ENI mode', () => {
    const template = clusterWith(PolicyEngine.cilium({ mode: CiliumMode.ENI }));

    test('values enable ENI IPAM and use the IRSA operator service account', () => {
      expect(helmValues(template, 'cilium')).toMatchObject({
        eni: { enabled: true }, ipam: { mode: 'eni' }, routingMode: 'native',
        serviceAccounts: { operator: { create: false, name: 'cilium-operator' } },
      });
      template.hasResourceProperties(HELM, { Chart: 'cilium', Wait: Match.absent() });
    });

    test('nodes carry the agent-not-ready taint and are created after Cilium', () => {
      const chart = logicalIdOf(template, HELM, (p) => p.Chart === 'cilium');
      template.hasResource('AWS::EKS::Nodegroup', {
        Properties: Match.objectLike({ Taints: [{ Key: 'node.cilium.io/agent-not-ready', Value: 'true', Effect: 'NO_EXECUTE' }] }),
        DependsOn: Match.arrayWith([chart]),
      });
    });

    test('the operator role has the ENI EC2 permissions', () => {
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['ec2:AssignPrivateIpAddresses', 'ec2:CreateNetworkInterface']), Resource: '*' })]) },
      });
      expect(embeddedManifests(template)).toContainEqual(expect.objectContaining({
        kind: 'ServiceAccount',
        metadata: expect.objectContaining({ name: 'cilium-operator', namespace: 'kube-system', annotations: { 'eks.amazonaws.com/role-arn': '<token>' } }),
      }));
    });

    test('the VPC CNI is kept off the nodes, and no vpc-cni add-on is managed', () => {
      template.resourceCountIs('AWS::EKS::Addon', 0);
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
    const cluster = importedCluster(stack);
    const install = new PolicyEngineInstallation(stack, 'Engine', { cluster, engine: PolicyEngine.calico() });
    const template = Template.fromStack(stack);
    template.hasResourceProperties(HELM, { ClusterName: 'prod', RoleArn: 'arn:aws:iam::111111111111:role/kubectl', Chart: 'tigera-operator' });
    template.hasResourceProperties('AWS::EKS::Addon', { ClusterName: 'prod', AddonName: 'vpc-cni' });
    expect(PolicyEngineInstallation.of(cluster)).toBe(install);
  });

  test('the VPC CNI add-on can be left to another stack', () => {
    const stack = testStack('Existing');
    new PolicyEngineInstallation(stack, 'Engine', { cluster: importedCluster(stack), engine: PolicyEngine.calico(), manageVpcCniAddon: false });
    Template.fromStack(stack).resourceCountIs('AWS::EKS::Addon', 0);
  });

  test('no warnings are raised for a normal install', () => {
    const stack = testStack('Existing');
    new PolicyEngineInstallation(stack, 'Engine', { cluster: importedCluster(stack), engine: PolicyEngine.cilium() });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('eks-zero-trust'));
    expect(Object.keys(resourcesOfType(Template.fromStack(stack), HELM))).toHaveLength(1);
  });
});
