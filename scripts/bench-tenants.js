#!/usr/bin/env node
// One measurement of the CaaS example at N tenants on a SecuredCluster, or of the bare cluster (N=0).
// Asset staging is off: it would copy the kubectl layer and chart assets and time the disk.
// Prints JSON: wall ms (module loading, construct and synth), template bytes, resources.
const started = process.hrtime.bigint();
const { measureSynth } = require('./bench-util');

const n = Number(process.argv[2]);
const result = measureSynth(started, (app) => {
  if (n === 0) {
    const { Stack } = require('aws-cdk-lib');
    const { SecuredCluster } = require('../dist/lib');
    new SecuredCluster(new Stack(app, 'CaasTenantsStack'), 'Cluster');
  } else {
    require('../dist/examples/caas-tenants/app').buildApp(app, { tenants: n });
  }
}, 'CaasTenantsStack', { 'aws:cdk:disable-asset-staging': true });
console.log(JSON.stringify(result));
