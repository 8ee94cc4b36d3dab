/** Replay (which observed flows a policy change would deny) and explaining one observed flow. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cli } from '../cli/run';
import { loadText } from 'eks-zero-trust/analysis';
import { explainFlowLine, recommendFromFiles, RecommendEngine, RecommendMode, replayFlows } from 'eks-zero-trust/recommend';
import { caasScenario, hubbleExport, hubbleLine, tenantWorkloads } from './flows';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ezt-replay-'));
const flowsFile = path.join(work, 'flows.jsonl');
fs.writeFileSync(flowsFile, hubbleExport(caasScenario(['acme', 'globex'])));
const recommended = recommendFromFiles([flowsFile], { engine: RecommendEngine.CILIUM, mode: RecommendMode.ENFORCED });
const withoutRabbitmq = recommended.yaml.split('\n---\n').filter((d) => !/rabbitmq/.test(d) || /kind: Namespace/.test(d)).join('\n---\n');

test('the recommended policies deny none of the flows they came from; DNS-name egress is left to the engine', () => {
  const r = replayFlows([flowsFile], loadText(recommended.yaml, 'policies.yaml'));
  expect(r.denied).toEqual([]);
  expect(r.flows).toBeGreaterThan(0);
  expect(r.unverifiable).toBe(2); // manager -> repository.cloudify.co, by name, per tenant
});

test('a change that drops the rabbitmq rules: each observed connection it breaks, grouped, with the deciding policy', () => {
  const r = replayFlows([flowsFile], loadText(withoutRabbitmq, 'changed.yaml'));
  const toRabbit = r.denied.filter((d) => d.dst.endsWith('/rabbitmq'));
  expect(toRabbit.map((d) => `${d.src} -> ${d.dst} ${d.port}/${d.protocol}`).sort()).toEqual([
    ...[5671, 5672, 15671, 15672].map((p) => `tenant-acme/cloudify-manager -> tenant-acme/rabbitmq ${p}/TCP`),
    ...[5671, 5672, 15671, 15672].map((p) => `tenant-globex/cloudify-manager -> tenant-globex/rabbitmq ${p}/TCP`),
  ].sort());
  expect(toRabbit[0].reason).toMatch(/^egress of tenant-\w+\/cloudify-manager: isolated by CiliumNetworkPolicy tenant-\w+\/[\w-]+(, .*)?; no rule allows it$/);
  expect(r.byPolicy.length).toBeGreaterThan(0);
  expect(r.byPolicy.reduce((n, p) => n + p.flows, 0)).toBeGreaterThanOrEqual(r.denied.reduce((n, d) => n + d.flows, 0));
});

test('the CLI: exit 1 when a flow would be denied (a pull-request gate), JSON on request', async () => {
  const ok = path.join(work, 'ok.yaml');
  const changed = path.join(work, 'changed.yaml');
  fs.writeFileSync(ok, recommended.yaml);
  fs.writeFileSync(changed, withoutRabbitmq);
  expect((await cli('replay', flowsFile, '--policies', ok)).code).toBe(0);
  const r = await cli('replay', flowsFile, '--policies', changed);
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/^replayed \d+ flow\(s\) in \d+ distinct connection\(s\) against .*: \d+ connection\(s\), \d+ flow\(s\) would be denied/);
  expect(r.stdout).toContain('DENIED tenant-acme/cloudify-manager -> tenant-acme/rabbitmq 5672/TCP');
  expect(r.stdout).toContain('by policy:');
  const json = JSON.parse((await cli('replay', flowsFile, '--policies', changed, '--format', 'json')).stdout);
  expect(json.denied.length).toBe(r.stdout.split('\n').filter((l) => l.startsWith('DENIED')).length);
});

test('explain --flow says by which rule an observed flow is decided', async () => {
  const t = tenantWorkloads('acme');
  const line = hubbleLine({ src: t.manager, dst: t.rabbitmq, protocol: 'TCP', port: 5672, verdict: 'DROPPED' }, 1);
  const e = explainFlowLine(line, loadText(withoutRabbitmq, 'changed.yaml'));
  expect(e.allowed).toBe(false);
  expect(e.text.split('\n')[0]).toBe('observed: tenant-acme/cloudify-manager -> tenant-acme/rabbitmq 5672/TCP was dropped');
  expect(e.text).toContain('DENIED');
  const changed = path.join(work, 'changed2.yaml');
  fs.writeFileSync(changed, withoutRabbitmq);
  const r = await cli('explain', '--flow', line, changed);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('egress of tenant-acme/cloudify-manager: denied');
  expect((await cli('explain', '--flow', '{"not": "a flow"}', changed)).code).toBe(2);
});
