#!/usr/bin/env node
// .ci/run: the HTML report of the seed-003 tenants (the caas-tenants example's delivered
// policies from cdk.out, with the tenants' workloads) opened in a real headless browser
// (Debian's chromium, driven by playwright-core): it loads without console errors or network
// requests, the matrix and list filters work, and a screenshot is kept under cdk.out/report/.
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const cdk8s = require('cdk8s');
const { chromium } = require('playwright-core');

const root = path.join(__dirname, '..');
const out = path.join(root, 'cdk.out', 'report');
fs.mkdirSync(out, { recursive: true });
const assembly = path.join(root, 'cdk.out', 'examples', 'caas-tenants');
if (!fs.existsSync(path.join(assembly, 'manifest.json'))) throw new Error(`${assembly} is missing: run npm run synth:all first`);

// The tenants' workloads, as the example's tests build them, plus kube-dns.
const { addCaasWorkloads } = require('../dist/examples/caas-tenants/tenant');
const { tenantNames } = require('../dist/examples/caas-tenants/app');
const tenants = tenantNames(3);
const chart = new cdk8s.Chart(new cdk8s.App(), 'workloads');
for (const t of tenants) addCaasWorkloads(chart, t);
const workloads = [...chart.toJson(),
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'coredns', namespace: 'kube-system' }, spec: { selector: { matchLabels: { 'k8s-app': 'kube-dns' } }, template: { metadata: { labels: { 'k8s-app': 'kube-dns' } }, spec: { containers: [{ name: 'coredns', image: 'coredns/coredns', ports: [{ containerPort: 53, protocol: 'UDP' }] }] } } } }];
const workloadFile = path.join(out, 'seed-003-workloads.json');
fs.writeFileSync(workloadFile, JSON.stringify(workloads));
const html = path.join(out, 'seed-003.html');
execFileSync(process.execPath, [path.join(root, 'dist', 'bin', 'eks-zero-trust.js'), 'report', assembly, workloadFile, '--stack', 'CaasTenantsStack', '--engine', 'calico', '--title', 'Seed 003: CaaS tenants', '--out', html], { stdio: 'inherit' });

(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url()); });
  await page.goto(`file://${html}`);
  const count = async (selector) => page.locator(selector).count();
  const check = (ok, what) => { if (!ok) throw new Error(`report check failed: ${what}`); console.log(`ok: ${what}`); };
  check(errors.length === 0, `no console errors (${errors.join('; ') || 'none'})`);
  check(requests.length === 0, `no network requests (${requests.join(', ') || 'none'})`);
  const all = await count('#connections tbody tr:not(.hidden)');
  check(all > 0, `${all} connections listed`);
  await page.selectOption('#f-src', `tenant-${tenants[0]}`);
  const fromOne = await count('#connections tbody tr:not(.hidden)');
  check(fromOne > 0 && fromOne < all, `source namespace filter: ${fromOne} of ${all}`);
  const rows = await count('#matrix tr:not(.hidden)');
  const inNamespace = workloads.filter((w) => w.kind === 'Deployment' && w.metadata.namespace === `tenant-${tenants[0]}`).length;
  check(rows === 1 + inNamespace, `matrix rows of one namespace: ${rows - 1} workloads`);
  await page.fill('#f-port', '5432');
  const postgres = await page.locator('#connections tbody tr:not(.hidden)').allTextContents();
  check(postgres.length >= 1 && postgres.every((t) => /5432|all/.test(t)), `port filter 5432: ${postgres.length} row(s)`);
  await page.fill('#f-port', '');
  await page.selectOption('#f-src', '');
  await page.selectOption('#f-verdict', 'possibly');
  const possibly = await count('#connections tbody tr:not(.hidden)');
  check(possibly < all, `verdict filter: ${possibly} possibly allowed`);
  await page.selectOption('#f-verdict', '');
  check((await count('#findings tbody tr')) >= 0 && (await page.locator('#summary').textContent()).includes('workloads'), 'summary and findings render');
  await page.screenshot({ path: path.join(out, 'seed-003.png'), fullPage: true });
  console.log(`report check: ok; ${html} and seed-003.png kept in ${out}`);
  await browser.close();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
