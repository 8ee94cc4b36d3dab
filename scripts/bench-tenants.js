#!/usr/bin/env node
// One measurement of the CaaS example at N tenants on a SecuredCluster, or of the bare cluster (N=0).
// Prints JSON: wall ms (construct + synth), template bytes, resources, releases.
const os = require('os');
const path = require('path');
const fs = require('fs');
const n = Number(process.argv[2]);
const started = process.hrtime.bigint();
const { App } = require('aws-cdk-lib');
const { buildApp } = require('../dist/examples/caas-tenants/app');
const { SecuredCluster } = require('../dist/lib');
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-tenants-'));
const app = new App({ outdir, context: { 'aws:cdk:disable-asset-staging': true } });
if (n === 0) {
  const { Stack } = require('aws-cdk-lib');
  new SecuredCluster(new Stack(app, 'CaasTenantsStack'), 'Cluster');
} else {
  buildApp(app, { tenants: n });
}
const assembly = app.synth();
const ms = Number(process.hrtime.bigint() - started) / 1e6;
const template = fs.readFileSync(path.join(outdir, assembly.getStackByName('CaasTenantsStack').templateFile), 'utf8');
const resources = Object.keys(JSON.parse(template).Resources).length;
fs.rmSync(outdir, { recursive: true, force: true });
console.log(JSON.stringify({ ms, bytes: Buffer.byteLength(template), resources }));
