import { analyze, allowed, deployment, NS } from './helpers';

const base = [NS('a', { team: 'x' }), NS('b', { team: 'y' }), deployment('a', 'web', { app: 'web' }, '{ containerPort: 8080, name: http }'), deployment('a', 'db', { app: 'db' }, '{ containerPort: 5432 }'), deployment('b', 'client', { app: 'client' })];
const np = (ns: string, spec: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: p${Math.abs(spec.length)}, namespace: ${ns} }\nspec:\n${spec}`;

describe('Kubernetes NetworkPolicy semantics', () => {
  test('without policies everything is allowed', () => {
    expect(allowed(analyze(...base), 'b/client', 'a/db')).toBe('all');
  });

  test('policyTypes defaults to Ingress only when there are no egress rules', () => {
    const a = analyze(...base, np('a', '  podSelector: {}\n'));
    expect(allowed(a, 'b/client', 'a/db')).toBe('nothing');
    expect(allowed(a, 'a/db', 'b/client')).toBe('all');
  });

  test('egress rules alone make policyTypes Ingress and Egress', () => {
    const a = analyze(...base, np('a', '  podSelector: { matchLabels: { app: web } }\n  egress: [{ to: [{ podSelector: { matchLabels: { app: db } } }] }]\n'));
    expect(allowed(a, 'a/web', 'a/db')).toBe('all');
    expect(allowed(a, 'a/web', 'b/client')).toBe('nothing');
    expect(allowed(a, 'b/client', 'a/web')).toBe('nothing');
  });

  test('an empty from ([{}]) allows everyone; an absent one in a rule with ports allows everyone on those ports', () => {
    const a = analyze(...base, np('a', '  podSelector: { matchLabels: { app: db } }\n  ingress: [{ ports: [{ port: 5432 }] }]\n'));
    expect(allowed(a, 'b/client', 'a/db')).toBe('TCP 5432');
    expect(allowed(a, '203.0.113.9', 'a/db')).toBe('TCP 5432');
  });

  test('namespaceSelector and podSelector in one peer are ANDed; in two peers ORed', () => {
    const and = analyze(...base, np('a', '  podSelector: { matchLabels: { app: db } }\n  ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: y } }, podSelector: { matchLabels: { app: web } } }] }]\n'));
    expect(allowed(and, 'b/client', 'a/db')).toBe('nothing');
    expect(allowed(and, 'a/web', 'a/db')).toBe('nothing');
    const or = analyze(...base, np('a', '  podSelector: { matchLabels: { app: db } }\n  ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: y } } }, { podSelector: { matchLabels: { app: web } } }] }]\n'));
    expect(allowed(or, 'b/client', 'a/db')).toBe('all');
    expect(allowed(or, 'a/web', 'a/db')).toBe('all');
  });

  test('a podSelector alone means pods of the policy\'s namespace', () => {
    const a = analyze(...base, deployment('b', 'web', { app: 'web' }), np('a', '  podSelector: { matchLabels: { app: db } }\n  ingress: [{ from: [{ podSelector: { matchLabels: { app: web } } }] }]\n'));
    expect(allowed(a, 'a/web', 'a/db')).toBe('all');
    expect(allowed(a, 'b/web', 'a/db')).toBe('nothing');
  });

  test('ipBlock with except', () => {
    const a = analyze(...base, np('a', '  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{ to: [{ ipBlock: { cidr: 0.0.0.0/0, except: [10.0.0.0/8] } }] }]\n'));
    expect(allowed(a, 'a/web', '8.8.8.8')).toBe('all');
    expect(allowed(a, 'a/web', '10.1.2.3')).toBe('nothing');
    expect(allowed(a, 'a/web', 'b/client')).toBe('nothing');
  });

  test('named ports resolve per destination pod; endPort ranges; SCTP', () => {
    const a = analyze(...base, np('a', '  podSelector: {}\n  ingress: [{ ports: [{ port: http }, { port: 9000, endPort: 9010 }, { protocol: SCTP, port: 3868 }] }]\n'));
    expect(allowed(a, 'b/client', 'a/web')).toBe('TCP 8080, 9000-9010; SCTP 3868');
    expect(allowed(a, 'b/client', 'a/db')).toBe('TCP 9000-9010; SCTP 3868');
  });

  test('policies are a union, and both egress and ingress must allow', () => {
    const a = analyze(...base,
      np('a', '  podSelector: { matchLabels: { app: db } }\n  ingress: [{ ports: [{ port: 1 }] }]\n'),
      np('a', '  podSelector: { matchLabels: { app: db } }\n  ingress: [{ ports: [{ port: 2 }, { port: 3 }] }]\n'),
      np('b', '  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{ ports: [{ port: 2 }] }]\n'));
    expect(allowed(a, 'a/web', 'a/db')).toBe('TCP 1-3');
    expect(allowed(a, 'b/client', 'a/db')).toBe('TCP 2');
  });
});

describe('input problems are reported with file, document and field', () => {
  test('a CIDR with host bits is read masked, as the API server accepts it, with a warning naming the field', () => {
    const a = analyze(...base, np('a', '  podSelector: {}\n  ingress: [{ from: [{ ipBlock: { cidr: 172.16.0.1/12 } }] }]\n'));
    expect(a.problems).toEqual([expect.objectContaining({ file: 'input.yaml', index: 5, field: 'spec.ingress[0].from[0].ipBlock.cidr', message: expect.stringContaining('read as 172.16.0.0/12') })]);
    expect(a.policies[0].ingress![0].peer.cidrs).toEqual(['172.16.0.0/12']);
  });

  test('the seed 003 duplicate port key is a YAML error with its line', () => {
    const a = analyze('kind: NetworkPolicy\napiVersion: networking.k8s.io/v1\nmetadata: { name: r }\nspec:\n  podSelector: {}\n  ingress:\n    - ports:\n        - protocol: TCP\n          port: 5671\n          port: 15672\n');
    expect(a.problems[0].message).toMatch(/is not valid YAML at line 10.*duplicated mapping key/);
  });

  test('empty containers and ports are reported, not fatal', () => {
    const a = analyze('apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: d, namespace: a }\nspec: { template: { spec: { containers: [~, { name: c, ports: [~, { containerPort: 80 }] }] } } }\n');
    expect(a.problems).toEqual([expect.objectContaining({ index: 0, field: 'containers[1].ports[0].containerPort', message: 'is undefined, not a port 1-65535' })]);
    expect(a.workload('a/d')!.ports).toEqual([{ port: 80, protocol: 'TCP' }]);
  });

  test('unknown kinds are listed, not dropped', () => {
    const a = analyze(...base, 'apiVersion: example.com/v1\nkind: Gadget\nmetadata: { name: g }\n');
    expect(a.ignored).toEqual([{ kind: 'Gadget', apiVersion: 'example.com/v1', file: 'input.yaml', index: 5 }]);
  });

  test('the valid documents are still analyzed', () => {
    const a = analyze(...base, np('a', '  podSelector: {}\n  ingress: [{ ports: [{ port: 99999 }] }]\n'), np('b', '  podSelector: {}\n'));
    expect(a.problems).toHaveLength(1);
    expect(allowed(a, 'a/web', 'b/client')).toBe('nothing');
  });
});

describe('workloads', () => {
  test('a Pod with a controller owner is reported under its owner, even when the owner is absent', () => {
    const a = analyze('apiVersion: v1\nkind: Pod\nmetadata: { name: web-5d8f-abc, namespace: a, labels: { app: web }, ownerReferences: [{ kind: ReplicaSet, name: web-5d8f, controller: true }] }\nspec: { containers: [{ name: c }] }\n',
      'apiVersion: batch/v1\nkind: CronJob\nmetadata: { name: nightly }\nspec: { jobTemplate: { spec: { template: { metadata: { labels: { job: n } }, spec: { containers: [{ name: c }] } } } } }\n');
    expect(a.toJson().workloads).toEqual([{ id: 'a/web-5d8f', kind: 'ReplicaSet' }, { id: 'default/nightly', kind: 'CronJob' }]);
  });

  test('the JSON shape is exact', () => {
    const a = analyze(...base, np('a', '  podSelector: { matchLabels: { app: db } }\n  ingress: [{ from: [{ podSelector: { matchLabels: { app: web } } }], ports: [{ port: 5432 }] }]\n'), np('a', '  podSelector: { matchLabels: { app: web } }\n  policyTypes: [Ingress, Egress]\n  egress: [{ to: [{ podSelector: { matchLabels: { app: db } } }], ports: [{ port: 5432 }] }]\n'));
    const json = a.toJson();
    expect(json.connections.filter((c) => c.src === 'a/web')).toEqual([{ src: 'a/web', dst: 'a/db', allowed: [{ protocol: 'TCP', ports: [[5432, 5432]] }] }]);
    expect(json.connections.find((c) => c.src === 'b/client' && typeof c.dst !== 'string')).toEqual({ src: 'b/client', dst: { ips: ['0.0.0.0/0', '::/0'] }, allowed: 'all' });
    expect(a.toJsonText()).toBe(JSON.stringify(json));
  });
});
