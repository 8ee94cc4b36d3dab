/** The recommender never gives up on one odd flow, reads only whole lines, and writes --out safely. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cli } from '../cli/run';
import { recommendFromFiles, RecommendEngine } from 'eks-zero-trust/recommend';
import { caasScenario, hubbleLine, KUBE_DNS, SampleWorkload, tenantWorkloads } from './flows';

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ezt-rec-'));
const write = (lines: string[]) => { const f = path.join(dir(), 'flows.jsonl'); fs.writeFileSync(f, `${lines.join('\n')}\n`); return f; };
describe('1. flows without identity labels are skipped with a reason; the rest is written', () => {
  const t = tenantWorkloads('acme');
  const job = (name: string): SampleWorkload => ({ namespace: 'tenant-acme', name, kind: 'Deployment', labels: { 'job-name': name, 'batch.kubernetes.io/job-name': name, 'controller-uid': 'd9a1c2e3', 'batch.kubernetes.io/controller-uid': 'd9a1c2e3' } });

  test('a Job\'s pods are identified by the Job; a CronJob run\'s pods, a label-less pod, a bad namespace or label are skipped', () => {
    const file = write([
      ...caasScenario(['acme']).map((f, i) => hubbleLine(f, i)),
      hubbleLine({ src: job('migrate-schema'), dst: t.postgres, protocol: 'TCP', port: 5432 }, 900),
      hubbleLine({ src: job('backup-29123456'), dst: t.postgres, protocol: 'TCP', port: 5432 }, 901),
      hubbleLine({ src: { ...t.web, name: 'unlabelled', labels: { 'pod-template-hash': 'abc' } }, dst: t.postgres, protocol: 'TCP', port: 5432 }, 902),
      hubbleLine({ src: { ...t.web, namespace: 'Bad_Namespace' }, dst: KUBE_DNS, protocol: 'UDP', port: 53 }, 903),
      hubbleLine({ src: { ...t.web, name: 'long', labels: { app: 'x'.repeat(70) } }, dst: KUBE_DNS, protocol: 'UDP', port: 53 }, 904),
    ]);
    const r = recommendFromFiles([file], { engine: RecommendEngine.CILIUM });
    expect(Object.entries(r.report.unidentified).map(([reason, n]) => `${n} ${reason.split(' (')[0].split(':')[0]}`).sort()).toEqual([
      '1 a label that is not valid',
      '1 a namespace that is not a valid name',
      '2 pods without identifying labels',
    ]);
    expect(r.yaml).toContain('batch.kubernetes.io/job-name: migrate-schema');
    expect(r.report.verification.notAllowed).toEqual([]);
    expect(r.report.policies).toBeGreaterThan(0);
  });
});

describe('2. only whole Hubble lines are flows', () => {
  test('a reply line cut before Type and is_reply is malformed, not a flow (and fatal with --strict)', async () => {
    const t = tenantWorkloads('acme');
    const reply = hubbleLine({ src: t.postgres, dst: t.manager, protocol: 'TCP', port: 41234 }, 5, { isReply: true });
    const cut = reply.slice(0, reply.indexOf('"Type"'));
    const file = write([...caasScenario(['acme']).map((f, i) => hubbleLine(f, i)), cut]);
    const r = recommendFromFiles([file], { engine: RecommendEngine.CILIUM });
    expect(r.report.files[0].malformed).toBe(1);
    expect(r.yaml).not.toContain('41234');
    const strict = await cli('recommend', file, '--engine', 'cilium', '--strict');
    expect(strict.code).toBe(2);
  });
});

describe('3. --out is safe', () => {
  const flows = () => write(caasScenario(['acme']).map((f, i) => hubbleLine(f, i)));

  test('it replaces its own files, refuses others\' unless --force, and never writes through a link', async () => {
    const out = dir();
    expect((await cli('recommend', flows(), '--engine', 'cilium', '--out', out)).code).toBe(0);
    expect(fs.readFileSync(path.join(out, 'policies.yaml'), 'utf8')).toMatch(/^# Written by eks-zero-trust recommend/);
    expect((await cli('recommend', flows(), '--engine', 'cilium', '--out', out)).code).toBe(0);
    // Someone else's file.
    fs.writeFileSync(path.join(out, 'policies.ts'), 'my own work\n');
    const refused = await cli('recommend', flows(), '--engine', 'cilium', '--out', out);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('was not written by eks-zero-trust recommend; move it away or pass --force');
    expect(fs.readFileSync(path.join(out, 'policies.ts'), 'utf8')).toBe('my own work\n');
    expect((await cli('recommend', flows(), '--engine', 'cilium', '--out', out, '--force')).code).toBe(0);
    // A link placed where a file goes: its target is left alone.
    const target = path.join(dir(), 'precious.yaml');
    fs.writeFileSync(target, 'precious\n');
    fs.rmSync(path.join(out, 'policies.yaml'));
    fs.symlinkSync(target, path.join(out, 'policies.yaml'));
    const linked = await cli('recommend', flows(), '--engine', 'cilium', '--out', out, '--force');
    expect(linked.code).toBe(2);
    expect(linked.stderr).toContain('is a symbolic link');
    expect(fs.readFileSync(target, 'utf8')).toBe('precious\n');
    // Nothing half-written: no temporary files are left.
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
