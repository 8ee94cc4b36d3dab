#!/usr/bin/env node
// A new user's path, checked by .ci/run: the packed tarball installed into a fresh CDK app
// (from the npm cache `npm ci` filled, the registry for what it lacks), the app synthesized, what it delivers read
// with PolicyManifests (as a snapshot test would), and the CLI run on the app's cdk.out.
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const pkg = require(path.join(root, 'package.json'));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ezt-package-'));
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });

const tarball = path.join(work, run('npm', ['pack', '--silent', '--pack-destination', work], root).trim().split('\n').pop());
console.log(`packed ${path.basename(tarball)} (${fs.statSync(tarball).size} bytes)`);
for (const required of ['LICENSE', 'README.md', 'dist/lib/index.js', 'dist/bin/eks-zero-trust.js', 'dist/lib/analysis/schema/field-tables.js']) {
  const listed = run('tar', ['-tzf', tarball], work).split('\n');
  if (!listed.includes(`package/${required}`)) throw new Error(`the package lacks ${required}`);
}

// Two fresh apps: the peers at the versions the development set pins (they install together,
// see README "Install"), and the newest aws-cdk-lib the peer range allows (--latest).
const dev = pkg.devDependencies;
/** The newest published version in a range (npm view lists the matching versions, oldest first). */
const newest = (name, range) => run('npm', ['view', `${name}@${range}`, 'version', '--json'], work).match(/"([0-9][^"]*)"\s*\]?\s*$/)[1];
const latest = process.argv.includes('--latest');
const app = path.join(work, 'app');
fs.mkdirSync(app);
fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({
  name: 'fresh-cdk-app', private: true,
  dependencies: {
    'eks-zero-trust': `file:${tarball}`,
    'aws-cdk-lib': latest ? newest('aws-cdk-lib', pkg.peerDependencies['aws-cdk-lib']) : dev['aws-cdk-lib'],
    constructs: dev.constructs, cdk8s: dev.cdk8s, 'cdk8s-plus-28': dev['cdk8s-plus-28'],
    '@aws-cdk/lambda-layer-kubectl-v35': dev['@aws-cdk/lambda-layer-kubectl-v35'],
  },
}, undefined, 2));
const started = Date.now();
run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], app);
const cdkVersion = require(path.join(app, 'node_modules', 'aws-cdk-lib', 'package.json')).version;
console.log(`installed into a fresh app with aws-cdk-lib ${cdkVersion} (npm cache first) in ${((Date.now() - started) / 1000).toFixed(1)} s`);

// The README's first example plus policies, as a user's app.js.
fs.writeFileSync(path.join(app, 'app.js'), `
const { App, Stack } = require('aws-cdk-lib');
const cdk8s = require('cdk8s');
const { Peer, PolicyChart, PolicyManifests, Port, SecuredCluster, ZeroTrustNamespace } = require('eks-zero-trust');
const app = new App({ outdir: 'cdk.out' });
const stack = new Stack(app, 'FreshStack');
const cluster = new SecuredCluster(stack, 'Cluster');
const chart = new PolicyChart(new cdk8s.App(), 'tenants', { target: cluster.engine.target, network: cluster.network });
const tenant = new ZeroTrustNamespace(chart, 'tenant-acme');
tenant.allow(tenant.pods({ app: 'web' }), tenant.pods({ app: 'db' }), [Port.tcp(5432)]);
cluster.addPolicies('TenantPolicies', { charts: [chart] });
app.synth();
const manifests = PolicyManifests.fromStack(stack);
console.log(JSON.stringify({ releases: manifests.releaseNames, kinds: [...new Set(manifests.objects.map((o) => o.kind))].sort() }));
`);
const synth = JSON.parse(run(process.execPath, ['app.js'], app).trim().split('\n').pop());
if (!synth.kinds.includes('NetworkPolicy')) throw new Error(`the fresh app delivers no NetworkPolicy: ${JSON.stringify(synth)}`);
console.log(`synthesized; PolicyManifests: ${synth.releases.join(', ')} (${synth.kinds.join(', ')})`);

const cli = path.join(app, 'node_modules', '.bin', 'eks-zero-trust');
const lint = run(cli, ['lint', 'cdk.out', '--stack', 'FreshStack'], app);
const diff = run(cli, ['diff', 'cdk.out', 'cdk.out', '--exit-code'], app);
console.log(`CLI on cdk.out: lint "${lint.trim().split('\n')[0]}"; diff against itself: "${diff.trim().split('\n').pop()}"`);
if (!process.env.KEEP) fs.rmSync(work, { recursive: true, force: true });
console.log('package smoke test: ok');
