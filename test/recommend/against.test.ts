/** recommend --against: deployed rules that allow what no observed flow used. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from '../../bin/cli';
import { loadText } from 'eks-zero-trust/analysis';
import { overPermissiveFromFiles } from 'eks-zero-trust/recommend';
import { caasScenario, hubbleExport, tenantWorkloads } from './flows';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ezt-against-'));
const flows = path.join(work, 'flows.jsonl');
fs.writeFileSync(flows, hubbleExport(caasScenario(['acme'])));
const np = (name: string, spec: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: ${name}, namespace: tenant-acme }\nspec:\n${spec}`;
const deployed = [
  np('postgres-in', '  podSelector: { matchLabels: { app: postgres } }\n  ingress: [{ from: [{ podSelector: { matchLabels: { app: cloudify-manager } } }], ports: [{ port: 5432 }] }]\n'),
  np('postgres-from-web', '  podSelector: { matchLabels: { app: postgres } }\n  ingress: [{ from: [{ podSelector: { matchLabels: { app: web } } }], ports: [{ port: 5432 }] }]\n'),
  np('manager-out', '  podSelector: { matchLabels: { app: cloudify-manager } }\n  policyTypes: [Egress]\n  egress: [{ to: [{ podSelector: {} }] }]\n'),
].join('---\n');

test('an unused rule, and a rule broader than its flows with the narrower rule they justify; a rule used as written is not listed', () => {
  const found = overPermissiveFromFiles([flows], loadText(deployed, 'deployed.yaml'));
  const byRule = Object.fromEntries(found.map((f) => [f.rule, f]));
  expect(byRule['NetworkPolicy tenant-acme/postgres-from-web spec.ingress[0]']).toMatchObject({ finding: 'unused', observedPorts: 'nothing' });
  expect(byRule['NetworkPolicy tenant-acme/manager-out spec.egress[0]']).toMatchObject({
    finding: 'narrower', ports: 'all',
    observedPeers: ['tenant-acme/postgres', 'tenant-acme/rabbitmq'],
    suggestion: 'allow only tenant-acme/postgres, tenant-acme/rabbitmq on TCP 5432, 5671-5672, 15671-15672',
  });
  expect(byRule['NetworkPolicy tenant-acme/postgres-in spec.ingress[0]']).toBeUndefined();
});

test('the CLI prints them and keeps them in report.json', async () => {
  const file = path.join(work, 'deployed.yaml');
  fs.writeFileSync(file, deployed);
  let stderr = '';
  const out = path.join(work, 'out');
  await runCli(['node', 'eks-zero-trust', 'recommend', flows, '--engine', 'kubernetes', '--against', file, '--out', out], { stdout: () => undefined, stderr: (t) => { stderr += t; } });
  expect(stderr).toMatch(/deployed policies \(.*\): 1 rule\(s\) no observed flow used, 1 broader than the flows/);
  expect(stderr).toContain('UNUSED   NetworkPolicy tenant-acme/postgres-from-web spec.ingress[0]');
  const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
  expect(report.against).toHaveLength(2);
});

test('observed addresses are suggested as the blocks --prefix-length writes, never wider than the rule, each still judged on its own', () => {
  const { manager } = tenantWorkloads('acme');
  const file = path.join(work, 'clients.jsonl');
  fs.writeFileSync(file, hubbleExport([
    { src: { ip: '203.0.113.10' }, dst: manager, protocol: 'TCP', port: 443 },
    { src: { ip: '203.0.113.77' }, dst: manager, protocol: 'TCP', port: 443 },
    { src: { ip: '198.51.100.20' }, dst: manager, protocol: 'TCP', port: 443 },
  ]));
  const rule = (spec: string, ports = 'ports: [{ port: 443 }]') => `  podSelector: { matchLabels: { app: cloudify-manager } }\n  ingress: [{ from: [{ ipBlock: { cidr: ${spec} } }], ${ports} }]\n`;
  const policies = loadText([
    np('anywhere', rule('0.0.0.0/0')), np('one-address', rule('203.0.113.10/32')), np('one-block', rule('203.0.113.0/24')),
    np('one-address-any-port', rule('203.0.113.10/32', 'ports: []')),
  ].join('---\n'), 'deployed.yaml');
  const find = (found: ReturnType<typeof overPermissiveFromFiles>, name: string) => found.find((f) => f.rule === `NetworkPolicy tenant-acme/${name} spec.ingress[0]`);
  const single = overPermissiveFromFiles([file], policies);
  expect(find(single, 'anywhere')?.observedPeers).toEqual(['198.51.100.20/32', '203.0.113.10/32', '203.0.113.77/32']);
  // Two addresses of the /24 used: the /24 is broader than them.
  expect(find(single, 'one-block')).toMatchObject({ finding: 'narrower', suggestion: 'allow only 203.0.113.10/32, 203.0.113.77/32 on TCP 443' });
  // A rule used exactly as written is not listed (an address rule was always listed before).
  expect(find(single, 'one-address')).toBeUndefined();

  const grouped = overPermissiveFromFiles([file], policies, { prefixLength: 24 });
  expect(find(grouped, 'anywhere')).toMatchObject({ observedPeers: ['198.51.100.0/24', '203.0.113.0/24'], suggestion: 'allow only 198.51.100.0/24, 203.0.113.0/24 on TCP 443' });
  // The /24 the flows justify is the rule itself: not listed.
  expect(find(grouped, 'one-block')).toBeUndefined();
  // The /24 is wider than these rules: the address stays as it is (a suggestion never widens a rule).
  expect(find(grouped, 'one-address')).toBeUndefined();
  expect(find(grouped, 'one-address-any-port')).toMatchObject({ finding: 'narrower', observedPeers: ['203.0.113.10/32'], suggestion: 'allow only 203.0.113.10/32 on TCP 443' });
});
