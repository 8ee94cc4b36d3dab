#!/usr/bin/env node
// Renders every engine release the synthesized templates install, with the
// pinned upstream charts in ../shared/charts and exactly the values each
// template carries, using the Helm binary the kubectl handler runs. The
// rendered objects go to cdk.out/rendered/ for the manifest validator; this
// script checks what a first deploy depends on (the Cilium operator's RBAC
// in ENI mode, the chaining pool, Calico policy-only mode) and measures the
// Calico CRD release against Helm's 1 MiB release Secret.
//
// Usage: node scripts/render-charts.js [cdk.out] [../shared/charts]
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const yaml = require('js-yaml');
const { layerBinary } = require('./layer-binaries');

const root = path.resolve(__dirname, '..');
const outDir = path.resolve(process.argv[2] ?? path.join(root, 'cdk.out'));
const chartsDir = path.resolve(process.argv[3] ?? path.join(root, '..', 'shared', 'charts'));
const renderedDir = path.join(outDir, 'rendered');
const ENGINE_CHARTS = { 'cilium': 'cilium', 'tigera-operator': 'tigera-operator', 'crd.projectcalico.org.v1': 'crd.projectcalico.org.v1' };
const HELM_RELEASE_LIMIT = 1024 * 1024;

const failures = [];
const fail = (message) => failures.push(message);

/** Every CloudFormation template under the assembly, nested stacks included. */
function templates(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) { if (entry.name !== 'rendered' && !entry.name.startsWith('asset.')) out.push(...templates(p)); }
    else if (entry.name.endsWith('.template.json')) out.push(p);
  }
  return out.sort();
}

/** A stand-in for a CloudFormation token, shaped like the value it stands for. */
function placeholder(token) {
  const getAtt = token['Fn::GetAtt'];
  if (Array.isArray(getAtt) && getAtt[1] === 'Arn') return `arn:aws:iam::111111111111:role/${getAtt[0]}`;
  if (Array.isArray(getAtt)) return `${getAtt[0]}-${getAtt[1]}`;
  if (typeof token.Ref === 'string') return token.Ref === 'AWS::Region' ? 'eu-west-1' : token.Ref === 'AWS::AccountId' ? '111111111111' : token.Ref === 'AWS::Partition' ? 'aws' : `ref-${token.Ref}`;
  return 'token';
}

/** A property value as text, tokens replaced (Fn::Join of literals and tokens). */
function text(value) {
  if (typeof value === 'string') return value;
  const join = value && value['Fn::Join'];
  if (join) return join[1].map((part) => (typeof part === 'string' ? part : placeholder(part))).join(join[0]);
  return placeholder(value);
}

function helm(args) {
  return execFileSync(layerBinary('helm'), args, { env: { ...process.env, KUBECONFIG: '/dev/null', HELM_CACHE_HOME: path.join(renderedDir, '.helm-cache'), HELM_CONFIG_HOME: path.join(renderedDir, '.helm-config'), HELM_DATA_HOME: path.join(renderedDir, '.helm-data') }, maxBuffer: 256 * 1024 * 1024 }).toString('utf8');
}

function objectsOf(manifest) {
  return yaml.loadAll(manifest).filter((o) => o && typeof o === 'object');
}

const has = (objects, kind, name) => objects.some((o) => o.kind === kind && o.metadata && o.metadata.name === name);

/** What each engine's first deploy needs to find in its rendered release. */
function checkRendered(label, chart, values, objects) {
  if (chart === 'cilium') {
    const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'cilium-config');
    if (!config) return fail(`${label}: no cilium-config ConfigMap rendered`);
    if (values.eni && values.eni.enabled) {
      for (const kind of ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding']) {
        if (!has(objects, kind, 'cilium-operator')) fail(`${label}: ENI mode renders no ${kind} cilium-operator; the operator could not read nodes or register CRDs`);
      }
      const account = objects.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'cilium-operator');
      const roleArn = account && account.metadata.annotations && account.metadata.annotations['eks.amazonaws.com/role-arn'];
      if (!roleArn || !roleArn.startsWith('arn:aws:iam::')) fail(`${label}: the cilium-operator ServiceAccount has no IRSA role annotation`);
      if (config.data.ipam !== 'eni') fail(`${label}: ipam is ${config.data.ipam}, not eni`);
    } else {
      const pool = config.data['cluster-pool-ipv4-cidr'];
      const wanted = values.ipam.operator.clusterPoolIPv4PodCIDRList.join(' ');
      if (pool !== wanted) fail(`${label}: the rendered cluster pool is ${pool}, not ${wanted}`);
      if (config.data['cni-chaining-mode'] !== 'aws-cni') fail(`${label}: not chained on aws-cni`);
    }
  }
  if (chart === 'tigera-operator') {
    const installation = objects.find((o) => o.kind === 'Installation');
    if (!installation || installation.spec.cni.type !== 'AmazonVPC' || installation.spec.kubernetesProvider !== 'EKS') fail(`${label}: no Installation for EKS on the AmazonVPC CNI rendered`);
    if (!objects.some((o) => o.kind === 'APIServer')) fail(`${label}: no APIServer rendered; projectcalico.org/v3 policies would never be served`);
  }
}

/**
 * Helm stamps a release with the time it ran (`info.first_deployed`, `last_deployed`,
 * RFC 3339 with the nanoseconds' trailing zeros cut), so its gzipped size moves by a few
 * bytes from run to run (944,196 to 944,204 for Calico's CRDs, measured over 270 stamps).
 * The measure uses one fixed stamp of the longest form, so it repeats exactly.
 */
const FIXED_STAMP = '2006-01-02T15:04:05.999999999Z';

/** Bytes Helm stores for one release: the release JSON, gzipped (BestCompression), base64. */
function storedReleaseBytes(chartFile, release, namespace) {
  const stored = JSON.parse(helm(['install', release, chartFile, '-n', namespace, '--dry-run=client', '-o', 'json']));
  for (const key of ['first_deployed', 'last_deployed']) if (stored.info && stored.info[key]) stored.info[key] = FIXED_STAMP;
  return Math.ceil(zlib.gzipSync(Buffer.from(JSON.stringify(stored)), { level: 9 }).length / 3) * 4;
}

if (!fs.existsSync(chartsDir)) {
  console.error(`render-charts: ${chartsDir} is missing (CI runs with shared/ beside the clone)`);
  process.exit(1);
}
fs.rmSync(renderedDir, { recursive: true, force: true });
fs.mkdirSync(renderedDir, { recursive: true });
const { CALICO_CRD_RELEASE_BYTES } = require(path.join(root, 'dist', 'lib'));
const measured = new Map();
let rendered = 0;
for (const file of templates(outDir)) {
  const template = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'Custom::AWSCDK-EKS-HelmChart') continue;
    const p = resource.Properties;
    const chart = ENGINE_CHARTS[p.Chart];
    if (!chart) continue;
    const label = `${path.relative(outDir, file)}#${id} (${p.Chart} ${p.Version})`;
    const chartFile = path.join(chartsDir, `${chart}-${p.Version}.tgz`);
    if (!fs.existsSync(chartFile)) {
      fail(`${label}: ${path.relative(root, chartFile)} is missing, so this release cannot be rendered; add that chart to shared/charts or pin a version that is there`);
      continue;
    }
    const values = p.Values ? JSON.parse(text(p.Values)) : {};
    const target = path.join(renderedDir, path.relative(outDir, file).replace(/\.template\.json$/, ''), `${id}-${p.Release}`);
    fs.mkdirSync(target, { recursive: true });
    fs.writeFileSync(path.join(target, 'values.json'), JSON.stringify(values, null, 2));
    let manifest;
    try {
      manifest = helm(['template', p.Release, chartFile, '-n', p.Namespace ?? 'default', '-f', path.join(target, 'values.json'), '--kube-version', '1.35.0']);
    } catch (e) {
      fail(`${label}: helm template failed: ${(e.stderr || e.message).toString().trim()}`);
      continue;
    }
    fs.writeFileSync(path.join(target, 'manifest.yaml'), manifest);
    checkRendered(label, p.Chart, values, objectsOf(manifest));
    rendered++;
    if (p.Chart === 'crd.projectcalico.org.v1' && !measured.has(p.Version)) {
      const bytes = storedReleaseBytes(chartFile, p.Release, p.Namespace);
      measured.set(p.Version, bytes);
      if (bytes > HELM_RELEASE_LIMIT) fail(`${label}: the release takes ${bytes} bytes in Helm's release Secret, over ${HELM_RELEASE_LIMIT}`);
      if (CALICO_CRD_RELEASE_BYTES[p.Version] !== bytes) fail(`${label}: CALICO_CRD_RELEASE_BYTES["${p.Version}"] is ${CALICO_CRD_RELEASE_BYTES[p.Version]}, measured ${bytes}; update lib/cluster/versions.ts`);
    }
  }
}
for (const [version, bytes] of measured) console.log(`render-charts: crd.projectcalico.org.v1 ${version} release stores ${bytes} bytes (${(100 * bytes / HELM_RELEASE_LIMIT).toFixed(1)}% of Helm's 1 MiB)`);
console.log(`render-charts: ${rendered} engine releases rendered into ${path.relative(root, renderedDir)}, ${failures.length} problem(s)`);
for (const f of failures) console.error(`FAIL ${f}`);
if (rendered === 0) { console.error('render-charts: no engine release found; synthesize first'); process.exit(1); }
process.exit(failures.length > 0 ? 1 : 0);
