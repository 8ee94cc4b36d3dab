#!/usr/bin/env node
// One synth of one benchmark case, in its own process so module loading counts.
// Prints JSON: wall milliseconds (require + construct + synth), template bytes and resources.
const started = process.hrtime.bigint();
const { Stack } = require('aws-cdk-lib');
const { measureSynth } = require('./bench-util');

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
const result = measureSynth(started, (app) => CASES[name](new Stack(app, 'Bench')), 'Bench');
process.stdout.write(JSON.stringify({ name, ...result }) + '\n');
