/** recommend --against: deployed rules that allow what no observed flow used. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from '../../bin/cli';
import { loadText } from 'eks-zero-trust/analysis';
import { overPermissiveFromFiles } from 'eks-zero-trust/recommend';
import { caasScenario, hubbleExport } from './flows';

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
