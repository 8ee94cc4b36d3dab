/** Exposure: what a policy set leaves open toward peers outside the input. */
import { Connectivity, exposure, formatExposure } from 'eks-zero-trust/analysis';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from '../../bin/cli';
import { analyze, deployment, NS } from './helpers';

const base = [NS('a', { team: 'x' }), deployment('a', 'web', { app: 'web' }), deployment('a', 'db', { app: 'db' })];
const denyAll = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: deny, namespace: a }\nspec: { podSelector: {}, policyTypes: [Ingress, Egress] }\n';
const np = (name: string, spec: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: ${name}, namespace: a }\nspec:\n${spec}`;
const summary = (docs: string[]) => exposure(analyze(...docs)).map((e) => `${e.workload} ${e.direction} ${e.scope}: ${e.peer}: ${e.allowed.toString()}`);

test('a default-deny namespace with flows inside it exposes nothing', () => {
  expect(summary([...base, denyAll, np('db-in', '  podSelector: { matchLabels: { app: db } }\n  ingress: [{ from: [{ podSelector: { matchLabels: { app: web } } }] }]\n')])).toEqual([]);
});

test('a workload no policy selects is open to the entire cluster and the internet', () => {
  expect(summary(base.slice(0, 2))).toEqual([
    'a/web ingress cluster: the entire cluster (any pod in any namespace) (no policy selects it for ingress): all',
    'a/web ingress internet: the internet (no policy selects it for ingress): all',
    'a/web egress cluster: the entire cluster (any pod in any namespace) (no policy selects it for egress): all',
    'a/web egress internet: the internet (no policy selects it for egress): all',
  ]);
});

test('a namespace selector by labels admits pods of namespaces not in the input, on the rule\'s ports', () => {
  const docs = [...base, denyAll, np('db-in', "  podSelector: { matchLabels: { app: db } }\n  ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: y } }, podSelector: { matchExpressions: [{ key: role, operator: In, values: [api, worker] }] } }], ports: [{ port: 5432 }] }]\n")];
  expect(summary(docs)).toEqual(['a/db ingress namespaces: pods with role=api in namespaces with team=y: TCP 5432']);
});

test('an empty namespace selector admits the entire cluster; a deny before it is honoured', () => {
  const open = np('db-in', '  podSelector: { matchLabels: { app: db } }\n  ingress: [{ from: [{ namespaceSelector: {} }], ports: [{ port: 5432 }] }]\n');
  expect(summary([...base, denyAll, open])).toEqual(['a/db ingress namespaces: any pod in any namespace: TCP 5432']);
  const anp = 'apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: { name: guard }\nspec:\n  priority: 1\n  subject: { namespaces: {} }\n  ingress: [{ action: Deny, from: [{ namespaces: { matchExpressions: [{ key: kubernetes.io/metadata.name, operator: NotIn, values: [a] }] } }] }]\n';
  expect(summary([...base, denyAll, open, anp])).toEqual([]);
});

test('egress to public addresses is internet exposure; private ranges are not', () => {
  const out = np('web-out', '  podSelector: { matchLabels: { app: web } }\n  policyTypes: [Egress]\n  egress:\n    - { to: [{ ipBlock: { cidr: 0.0.0.0/0, except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16] } }], ports: [{ port: 443 }] }\n    - { to: [{ ipBlock: { cidr: 10.0.0.0/8 } }], ports: [{ port: 5432 }] }\n');
  const lines = summary([...base, denyAll, out]);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^a\/web egress internet: the internet \(0\.0\.0\.0\/5, 8\.0\.0\.0\/7, 11\.0\.0\.0\/8, \+\d+\): TCP 443$/);
});

test('Cilium: fromEndpoints on namespace labels, and the cluster entity', () => {
  const cnp = (rule: string) => `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: db-in, namespace: a }\nspec:\n  endpointSelector: { matchLabels: { app: db } }\n  ingress: [${rule}]\n`;
  expect(summary([...base, denyAll, cnp("{ fromEndpoints: [{ matchLabels: { 'k8s:io.cilium.k8s.namespace.labels.team': y, app: api } }] }")]))
    .toEqual(['a/db ingress namespaces: pods with app=api in namespaces with team=y: all']);
  expect(summary([...base, denyAll, cnp('{ fromEntities: [cluster] }')])).toEqual(['a/db ingress cluster: the entire cluster (any pod in any namespace): all']);
});

test('formats: text, JSON, Mermaid; Connectivity.exposure() for jest; the CLI flag', async () => {
  const docs = [...base, denyAll, np('db-in', '  podSelector: { matchLabels: { app: db } }\n  ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: y } } }], ports: [{ port: 5432 }] }]\n')];
  const a = analyze(...docs);
  expect(formatExposure(a, 'text')).toBe('1 openings toward peers outside the input (<- may connect to the workload, -> the workload may connect to it)\na/db <- any pod in namespaces with team=y: TCP 5432\n');
  expect(JSON.parse(formatExposure(a, 'json'))).toEqual({ exposure: [{ workload: 'a/db', direction: 'ingress', scope: 'namespaces', peer: 'any pod in namespaces with team=y', allowed: [{ protocol: 'TCP', ports: [[5432, 5432]] }] }] });
  expect(formatExposure(a, 'mermaid')).toContain('subgraph s1["outside the input"]');
  expect(new Connectivity(a).exposure()).toHaveLength(1);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ezt-exposure-'));
  fs.writeFileSync(path.join(dir, 'in.yaml'), docs.join('\n---\n'));
  const out: string[] = [];
  const io = { stdout: (t: string) => out.push(t), stderr: () => undefined };
  expect(await runCli(['node', 'cli', 'analyze', '--exposure', '--format', 'json', dir], io)).toBe(0);
  expect(JSON.parse(out.join('')).exposure).toHaveLength(1);
  expect(await runCli(['node', 'cli', 'analyze', '--exposure', '--format', 'csv', dir], io)).toBe(2);
});
