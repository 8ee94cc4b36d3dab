import * as fs from 'fs';
import * as yaml from 'js-yaml';
import * as os from 'os';
import * as path from 'path';
import { cli } from './run';
import { caasScenario, hubbleExport, whiskerExport } from '../recommend/flows';


const deployment = (ns: string, app: string, port: number) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app, namespace: ns }, spec: { template: { metadata: { labels: { app } }, spec: { containers: [{ name: app, ports: [{ containerPort: port }] }] } } } });
const denyAll = (ns: string) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } });
const allowWebToApi = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'web-to-api', namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 8080 }] }] } };
const webEgress = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'web-out', namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: 'api' } } }], ports: [{ port: 8080 }] }] } };

describe('eks-zero-trust CLI', () => {
  let dir: string;
  let before: string;
  let after: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ezt-cli-'));
    before = path.join(dir, 'before.yaml');
    after = path.join(dir, 'after.yaml');
    const base = [deployment('shop', 'web', 80), deployment('shop', 'api', 8080), denyAll('shop')];
    fs.writeFileSync(before, base.map((d) => yaml.dump(d)).join('---\n'));
    fs.writeFileSync(after, [...base, allowWebToApi, webEgress].map((d) => yaml.dump(d)).join('---\n'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('analyze prints the exact JSON', async () => {
    const r = await cli('analyze', after, '--format', 'json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      workloads: [{ id: 'shop/api', kind: 'Deployment' }, { id: 'shop/web', kind: 'Deployment' }],
      connections: [{ src: 'shop/web', dst: 'shop/api', allowed: [{ protocol: 'TCP', ports: [[8080, 8080]] }] }],
    });
  });

  test('explain names the deciding rules; diff reports the change and exits 1 with --exit-code', async () => {
    const explained = await cli('explain', 'shop/web', 'shop/api', '8080/TCP', after);
    expect(explained.code).toBe(0);
    expect(explained.stdout).toMatch(/ALLOWED/);
    expect(explained.stdout).toMatch(/web-to-api/);
    const diff = await cli('diff', before, after, '--exit-code');
    expect(diff.code).toBe(1);
    expect(diff.stdout).toMatch(/\+ shop\/web -> shop\/api/);
    expect((await cli('diff', before, before, '--exit-code')).code).toBe(0);
  });

  test('lint finds egress denied without DNS and exits 1 on errors', async () => {
    const r = await cli('lint', after, '--format', 'json');
    const findings = JSON.parse(r.stdout) as { id: string; severity: string }[];
    expect(findings.map((f) => f.id)).toContain('EZT001');
    expect(r.code).toBe(findings.some((f) => f.severity === 'error') ? 1 : 0);
  });

  test('--strict turns input problems into exit code 2; usage errors exit non-zero with a message', async () => {
    const broken = path.join(dir, 'broken.yaml');
    fs.writeFileSync(broken, 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x}\nspec: {podSelector: {}, ingress: [{ports: [{port: 99999}]}]}\n');
    const r = await cli('analyze', broken, '--strict');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/99999/);
    expect(r.stderr).toMatch(/--strict/);
    const usage = await cli('recommend', broken);
    expect(usage.code).not.toBe(0);
    expect(usage.stderr).toMatch(/--engine/);
  });

  test('recommend writes YAML on stdout and the report on stderr', async () => {
    const flows = path.join(dir, 'flows.jsonl');
    fs.writeFileSync(flows, hubbleExport(caasScenario(['acme'])));
    const r = await cli('recommend', flows, '--engine', 'cilium');
    expect(r.code).toBe(0);
    const docs = yaml.loadAll(r.stdout) as { kind: string }[];
    expect(docs.every((d) => d.kind === 'CiliumNetworkPolicy')).toBe(true);
    expect(r.stderr).toMatch(/1 malformed/);
    expect(r.stderr).toMatch(/line \d+: is not JSON/);
    expect(r.stderr).toMatch(/analyzer: 11 of 11 checkable observed connection\(s\) allowed .*; 0 workload pair\(s\)/);
    expect(r.stderr).toMatch(/note: Cilium has no staged policy kinds/);
    const strict = await cli('recommend', flows, '--engine', 'cilium', '--strict');
    expect(strict.code).toBe(2);
    expect(strict.stdout).toBe('');
  });

  test('recommend --out writes the YAML, the TypeScript and the report', async () => {
    const flows = path.join(dir, 'flows.whisker.jsonl');
    fs.writeFileSync(flows, whiskerExport(caasScenario(['acme', 'globex'])));
    const out = path.join(dir, 'out');
    const r = await cli('recommend', flows, '--engine', 'calico', '--namespace', 'tenant-acme', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const docs = yaml.loadAll(fs.readFileSync(path.join(out, 'policies.yaml'), 'utf8')) as { kind: string; metadata: { namespace: string } }[];
    expect(new Set(docs.map((d) => d.kind))).toEqual(new Set(['StagedNetworkPolicy']));
    expect(new Set(docs.map((d) => d.metadata.namespace))).toEqual(new Set(['tenant-acme']));
    expect(fs.readFileSync(path.join(out, 'policies.ts'), 'utf8')).toMatch(/new ZeroTrustNamespace\(scope, 'tenant-acme', \{ create: false, staged: true \}\)/);
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as { namespaces: string[]; verification: { newPairs: string[] } };
    expect(report.namespaces).toEqual(['tenant-acme']);
    expect(report.verification.newPairs).toEqual([]);
  });

  test('recommend rejects a bad prefix length', async () => {
    const flows = path.join(dir, 'f.csv');
    fs.writeFileSync(flows, 'shop,app=a,shop,app=b,TCP,80\n');
    const r = await cli('recommend', flows, '--engine', 'kubernetes', '--prefix-length', '40');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--prefix-length "40" is not a prefix length 0-32/);
  });

  test('recommend rejects a thread count that is not one', async () => {
    const flows = path.join(dir, 'f.csv');
    fs.writeFileSync(flows, 'shop,app=a,shop,app=b,TCP,80\n');
    for (const bad of ['0', 'two', '65']) {
      const r = await cli('recommend', flows, '--engine', 'kubernetes', '--threads', bad);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--threads ${JSON.stringify(bad)} is not a number 1-64`);
    }
    const ok = await cli('recommend', flows, '--engine', 'kubernetes', '--threads', '2');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('kind: NetworkPolicy');
  });
});
