/**
 * Kinds beyond the core dialects: Amazon EKS admin and application policies,
 * policy kinds the analyzer does not read, and pods grouped by their owner.
 */
import { runCli } from '../../bin/cli';
import { lint } from 'eks-zero-trust/analysis';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyze, allowed, deployment, NS } from './helpers';

const base = [NS('a'), NS('b'), deployment('a', 'web', { app: 'web' }), deployment('a', 'db', { app: 'db' }), deployment('b', 'client', { app: 'client' })];
const amazonCnp = (name: string, tier: string, priority: number, rules: string) => `apiVersion: networking.k8s.aws/v1alpha1\nkind: ClusterNetworkPolicy\nmetadata: { name: ${name} }\nspec:\n  tier: ${tier}\n  priority: ${priority}\n  subject: { namespaces: { matchLabels: { kubernetes.io/metadata.name: a } } }\n${rules}`;

describe('Amazon EKS ClusterNetworkPolicy (networking.k8s.aws/v1alpha1)', () => {
  test('an Admin Deny overrides a NetworkPolicy allow; a Baseline Deny holds only where nothing else decided', () => {
    const admin = amazonCnp('guard', 'Admin', 10, '  ingress: [{ action: Deny, from: [{ namespaces: { matchLabels: { kubernetes.io/metadata.name: b } } }] }]\n');
    const allowAll = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: all, namespace: a }\nspec: { podSelector: {}, ingress: [{}] }\n';
    const a = analyze(...base, admin, allowAll);
    expect(allowed(a, 'b/client', 'a/db')).toBe('nothing');
    expect(allowed(a, 'a/web', 'a/db')).toBe('all');
    const baseline = amazonCnp('floor', 'Baseline', 10, '  ingress: [{ action: Deny, from: [{ namespaces: {} }] }]\n');
    expect(allowed(analyze(...base, baseline), 'b/client', 'a/db')).toBe('nothing');
    expect(allowed(analyze(...base, baseline, allowAll), 'b/client', 'a/db')).toBe('all');
  });

  test('Accept to domain names opens nothing the input can show, and the linter does not call its pods unprotected', () => {
    const egress = amazonCnp('names', 'Admin', 10, '  egress:\n    - { action: Accept, to: [{ domainNames: [api.example.com] }], protocols: [{ tcp: { destinationPort: { number: 443 } } }] }\n    - { action: Deny, to: [{ networks: [0.0.0.0/0] }] }\n');
    const a = analyze(...base, egress);
    expect(allowed(a, 'a/web', '203.0.113.9')).toBe('nothing');
    expect(lint(a).filter((f) => f.id === 'EZT002' && f.object.startsWith('a/') && f.message.includes('egress'))).toEqual([]);
  });
});

describe('ApplicationNetworkPolicy (networking.k8s.aws/v1alpha1)', () => {
  const anp = (rules: string) => `apiVersion: networking.k8s.aws/v1alpha1\nkind: ApplicationNetworkPolicy\nmetadata: { name: web-out, namespace: a }\nspec:\n  podSelector: { matchLabels: { app: web } }\n  policyTypes: [Egress]\n${rules}`;

  test('reads as a NetworkPolicy whose domainNames peers resolve at run time', () => {
    const a = analyze(...base, anp('  egress:\n    - { to: [{ domainNames: [api.example.com] }], ports: [{ port: 443 }] }\n    - { to: [{ podSelector: { matchLabels: { app: db } } }] }\n'));
    expect(a.problems).toEqual([]);
    expect(allowed(a, 'a/web', 'a/db')).toBe('all');
    expect(allowed(a, 'a/web', '203.0.113.9')).toBe('nothing');
    expect(allowed(a, 'a/web', 'b/client')).toBe('nothing');
    expect(a.policies[0].egress![0].peer.domains).toEqual(['api.example.com']);
  });

  test('domainNames next to a selector, or in a plain NetworkPolicy, is a problem', () => {
    const mixed = analyze(...base, anp('  egress: [{ to: [{ domainNames: [a.example.com], podSelector: {} }] }]\n'));
    expect(mixed.problems[0].message).toContain('cannot be combined');
    const plain = analyze(...base, 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: p, namespace: a }\nspec: { podSelector: {}, policyTypes: [Egress], egress: [{ to: [{ domainNames: [a.example.com] }] }] }\n');
    expect(plain.problems[0]).toMatchObject({ field: 'spec.egress[0].to[0].domainNames' });
  });
});

describe('policy kinds the analyzer does not read', () => {
  const unread = 'apiVersion: crd.projectcalico.org/v1\nkind: NetworkPolicy\nmetadata: { name: raw, namespace: a }\nspec: { selector: all() }\n';

  test('are problems, and the text output says up front that results ignore them', async () => {
    const a = analyze(...base, unread, 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n');
    expect(a.problems).toEqual([expect.objectContaining({ message: expect.stringContaining('crd.projectcalico.org/v1 NetworkPolicy a/raw is a policy kind the analyzer does not read') })]);
    expect(a.unreadPolicies).toHaveLength(1);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ezt-kinds-'));
    fs.writeFileSync(path.join(dir, 'in.yaml'), [...base, unread].join('\n---\n'));
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) };
    expect(await runCli(['node', 'cli', 'analyze', dir], io)).toBe(0);
    expect(out.join('').split('\n')[0]).toBe('WARNING: these results ignore 1 policy object(s) of kinds the analyzer does not read (crd.projectcalico.org/v1 NetworkPolicy)');
    expect(err.join('')).toContain('is a policy kind the analyzer does not read');
    expect(await runCli(['node', 'cli', 'analyze', '--strict', dir], io)).toBe(2);
    out.length = 0;
    await runCli(['node', 'cli', 'lint', dir], io);
    expect(out.join('')).toMatch(/^WARNING: these results ignore 1 policy object/);
  });
});

describe('pods grouped by owner', () => {
  const pod = (name: string, labels: string, owner: string) => `apiVersion: v1\nkind: Pod\nmetadata: { name: ${name}, namespace: a, labels: ${labels}, ownerReferences: [${owner}] }\nspec: { containers: [{ name: c }] }\n`;

  test('pods of one controller are one workload named after it; differing labels are said', () => {
    const a = analyze(NS('a'), pod('web-1', '{ app: web, version: v1 }', '{ kind: ReplicaSet, name: web-5d8f, controller: true }'),
      pod('web-2', '{ app: web, version: v2 }', '{ kind: ReplicaSet, name: web-5d8f, controller: true }'));
    expect(a.workloads.map((w) => w.id)).toEqual(['a/web-5d8f']);
    expect(a.workloads[0].labels).toEqual({ app: 'web', version: 'v1' });
    expect(a.problems).toEqual([expect.objectContaining({ index: 2, field: 'metadata.labels', message: expect.stringContaining('(version)') })]);
  });

  test('a single owner without the controller flag names the workload too; a Node owner does not', () => {
    const a = analyze(NS('a'), pod('job-abc', '{ job: x }', '{ kind: Job, name: nightly-123 }'), pod('static-node1', '{ tier: control }', '{ kind: Node, name: node1 }'));
    expect(a.workloads.map((w) => `${w.id} ${w.kind}`)).toEqual(['a/nightly-123 Job', 'a/static-node1 Pod']);
  });
});
