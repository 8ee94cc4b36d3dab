#!/usr/bin/env node
// One synth of one benchmark case, in its own process so module loading counts.
// Prints JSON: wall milliseconds (require + construct + synth), template bytes and resources.
const started = process.hrtime.bigint();
const fs = require('fs');
const os = require('os');
const path = require('path');
const { App, Stack } = require('aws-cdk-lib');

const CASES = {
  'empty-stack': (stack) => { void stack; },
  'bare-eks-cluster-with-helm-chart': (stack) => {
    const eks = require('aws-cdk-lib/aws-eks');
    const { KubectlV35Layer } = require('@aws-cdk/lambda-layer-kubectl-v35');
    const cluster = new eks.Cluster(stack, 'Cluster', {
      version: eks.KubernetesVersion.V1_35,
      kubectlLayer: new KubectlV35Layer(stack, 'KubectlLayer'),
    });
    cluster.addHelmChart('Chart', { chart: 'tigera-operator', repository: 'https://docs.tigera.io/calico/charts', version: 'v3.32.1', namespace: 'tigera-operator' });
  },
  'secured-cluster': (stack) => {
    const { SecuredCluster } = require('../dist/lib');
    new SecuredCluster(stack, 'Cluster');
  },
};

const name = process.argv[2];
if (!CASES[name]) {
  console.error(`unknown case ${name}; one of ${Object.keys(CASES).join(', ')}`);
  process.exit(2);
}
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ezt-bench-'));
const app = new App({ outdir });
const stack = new Stack(app, 'Bench');
CASES[name](stack);
const assembly = app.synth();
const ms = Number(process.hrtime.bigint() - started) / 1e6;
const file = path.join(outdir, assembly.getStackByName('Bench').templateFile);
const text = fs.readFileSync(file, 'utf8');
const resources = Object.keys(JSON.parse(text).Resources ?? {}).length;
fs.rmSync(outdir, { recursive: true, force: true });
process.stdout.write(JSON.stringify({ name, ms, bytes: Buffer.byteLength(text), resources }) + '\n');
