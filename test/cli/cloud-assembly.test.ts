/** The CLI on what `cdk synth` writes: a cloud assembly read as the manifests its stacks deliver. */
import { App, Stack } from 'aws-cdk-lib';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cli } from './run';
import { buildApp } from '../../examples/caas-tenants/app';
import { loadCloudAssembly } from '../../lib/analysis/cloud-assembly';
import { SecuredCluster } from 'eks-zero-trust';

describe('a cloud assembly', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ezt-cdkout-'));
    const app = buildApp(new App({ outdir }), { tenants: 2 });
    new SecuredCluster(new Stack(app, 'OtherStack'), 'Cluster');
    app.synth();
  });

  test('gives the delivered policies of its chart assets, quietly skipping CloudFormation and Lambda files', async () => {
    const loaded = loadCloudAssembly(outdir);
    expect(loaded.problems).toEqual([]);
    const kinds = new Set(loaded.objects.map((o) => o.object.kind));
    expect(kinds).toContain('NetworkPolicy');
    expect(loaded.objects.every((o) => o.file.includes(`${path.sep}asset.`) || o.file.includes('.template.json#'))).toBe(true);
    const r = await cli('lint', outdir, '--format', 'json');
    expect(r.stderr).not.toContain('has no apiVersion or kind');
    const analyzed = await cli('analyze', outdir);
    expect(analyzed.stdout).toMatch(/no workloads in the input: \d+ policies were read/);
  });

  test('--stack reads one stack; an unknown one is a usage error naming the stacks', async () => {
    expect(loadCloudAssembly(outdir, { stacks: ['OtherStack'] }).objects.some((o) => o.object.kind === 'NetworkPolicy')).toBe(false);
    expect(loadCloudAssembly(outdir, { stacks: ['CaasTenantsStack'] }).objects.some((o) => o.object.kind === 'NetworkPolicy')).toBe(true);
    const r = await cli('analyze', outdir, '--stack', 'Nope');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has no stack "Nope"; it has CaasTenantsStack, OtherStack');
  });

  test('diff of two synths compares the delivered policy objects', async () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'ezt-cdkout-'));
    buildApp(new App({ outdir: other }), { tenants: 3 }).synth();
    const r = await cli('diff', outdir, other, '--stack', 'CaasTenantsStack', '--exit-code');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('+ NetworkPolicy tenant-customer-003/');
  });
});
