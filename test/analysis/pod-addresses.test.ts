/**
 * Address rules and pods: Kubernetes ipBlock, Calico nets and admin
 * policies' networks match pods by address; Cilium CIDR rules never do.
 * Without pod ranges a connection that depends on a pod's address is
 * possibly allowed, never denied outright.
 */
import { Analysis, explain, loadText } from 'eks-zero-trust/analysis';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli } from '../../bin/cli';
import { formatText } from '../../lib/analysis/format';
import { allowed, deployment, NS } from './helpers';

const base = [NS('a'), NS('b'), deployment('a', 'db', { app: 'db' }), deployment('b', 'client', { app: 'client' })];
const k8sFromBlock = (block: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: db-in, namespace: a }\nspec:\n  podSelector: { matchLabels: { app: db } }\n  ingress: [{ from: [{ ipBlock: ${block} }] }]\n`;
const run = (docs: string[], podCidrs?: string[]) => Analysis.of(loadText(docs.join('\n---\n'), 'in.yaml'), { podCidrs });

describe('Kubernetes ipBlock', () => {
  test('0.0.0.0/0 between namespaces: possibly allowed without pod ranges, allowed with them', () => {
    const docs = [...base, k8sFromBlock('{ cidr: 0.0.0.0/0 }')];
    const unknown = run(docs);
    expect(allowed(unknown, 'b/client', 'a/db')).toBe('nothing');
    expect(unknown.possiblyAllowed()).toEqual([expect.objectContaining({ src: 'b/client', dst: 'a/db' })]);
    const e = explain(unknown, unknown.workload('b/client')!, unknown.workload('a/db')!, 5432, 'TCP');
    expect(e).toMatchObject({ allowed: false, possibly: true });
    expect(e.text.split('\n')[0]).toBe('b/client -> a/db 5432/TCP: POSSIBLY ALLOWED (depends on pod addresses)');
    expect(allowed(run(docs, ['10.0.0.0/16']), 'b/client', 'a/db')).toBe('all');
    expect(run(docs, ['10.0.0.0/16']).possiblyAllowed()).toEqual([]);
  });

  test('an except that holds the pod ranges keeps pods out for sure', () => {
    const a = run([...base, k8sFromBlock('{ cidr: 0.0.0.0/0, except: [10.0.0.0/8] }')], ['10.0.0.0/16']);
    expect(allowed(a, 'b/client', 'a/db')).toBe('nothing');
    expect(a.possiblyAllowed()).toEqual([]);
  });

  test('a block that holds part of the pod ranges: possibly allowed', () => {
    const a = run([...base, k8sFromBlock('{ cidr: 10.0.0.0/16 }')], ['10.0.0.0/16', '100.64.0.0/16']);
    expect(allowed(a, 'b/client', 'a/db')).toBe('nothing');
    expect(a.possiblyAllowed().map((c) => `${String(c.src)}>${String(c.dst)}`)).toEqual(['b/client>a/db']);
    expect(formatText(a)).toContain('1 possibly allowed connections (rules on address blocks cover only part of the pod ranges; by ipBlock 10.0.0.0/16)\nb/client -> a/db: all');
  });
});

test('Calico nets match pods by address; notNets exclude them', () => {
  const gnp = (source: string) => `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: { name: db-in }\nspec:\n  selector: app == 'db'\n  ingress: [{ action: Allow, source: ${source} }]\n`;
  expect(allowed(run([...base, gnp('{ nets: [10.0.0.0/8] }')], ['10.0.0.0/16']), 'b/client', 'a/db')).toBe('all');
  expect(allowed(run([...base, gnp('{ nets: [10.0.0.0/8] }')]), 'b/client', 'a/db')).toBe('nothing');
  expect(allowed(run([...base, gnp('{ notNets: [10.0.0.0/8] }')], ['10.0.0.0/16']), 'b/client', 'a/db')).toBe('nothing');
  expect(allowed(run([...base, gnp('{ notNets: [10.0.0.0/8] }')], ['192.168.0.0/16']), 'b/client', 'a/db')).toBe('all');
});

test('ClusterNetworkPolicy networks deny pod-to-pod traffic in the pod ranges', () => {
  const cnp = 'apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: { name: no-v4 }\nspec:\n  tier: Admin\n  priority: 5\n  subject: { namespaces: {} }\n  ingress: [{ action: Deny, from: [{ networks: [0.0.0.0/0] }] }]\n';
  const allowAll = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: all, namespace: a }\nspec: { podSelector: {}, ingress: [{}] }\n';
  expect(allowed(run([...base, cnp, allowAll], ['10.0.0.0/16']), 'b/client', 'a/db')).toBe('nothing');
  // Without pod ranges the definite reading is the JSON's long-standing one: address rules match no pod.
  expect(allowed(run([...base, cnp, allowAll]), 'b/client', 'a/db')).toBe('all');
});

test('Cilium CIDR rules never match pods, pod ranges or not', () => {
  const cnp = "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: db-in, namespace: a }\nspec:\n  endpointSelector: { matchLabels: { app: db } }\n  ingress: [{ fromCIDR: [0.0.0.0/0] }]\n";
  const a = run([...base, cnp], ['10.0.0.0/16']);
  expect(allowed(a, 'b/client', 'a/db')).toBe('nothing');
  expect(run([...base, cnp]).possiblyAllowed()).toEqual([]);
});

test('the CLI takes --pod-cidr (repeatable) and adds "possible" to JSON on request', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ezt-pods-'));
  fs.writeFileSync(path.join(dir, 'in.yaml'), [...base, k8sFromBlock('{ cidr: 10.0.0.0/8 }')].join('\n---\n'));
  const out: string[] = [];
  const io = { stdout: (t: string) => out.push(t), stderr: () => undefined };
  expect(await runCli(['node', 'cli', 'analyze', dir], io)).toBe(0);
  expect(out.join('')).toContain('possibly allowed connections (rules on address blocks may match pods, whose addresses are unknown: give --pod-cidr');
  out.length = 0;
  expect(await runCli(['node', 'cli', 'analyze', '--pod-cidr', '10.0.0.0/16', '--pod-cidr', '10.1.0.0/16', dir], io)).toBe(0);
  expect(out.join('')).toContain('b/client -> a/db: all');
  expect(out.join('')).not.toContain('possibly');
  out.length = 0;
  expect(await runCli(['node', 'cli', 'analyze', '--format', 'json', '--possible', dir], io)).toBe(0);
  const json = JSON.parse(out.join(''));
  expect(json.possible).toEqual([{ src: 'b/client', dst: 'a/db', allowed: 'all' }]);
  expect(json.connections.some((c: { src: string; dst: string }) => c.src === 'b/client' && c.dst === 'a/db')).toBe(false);
  expect(await runCli(['node', 'cli', 'analyze', '--pod-cidr', '10.0.0.0/33', dir], io)).toBe(2);
});
