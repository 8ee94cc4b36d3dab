import * as fc from 'fast-check';
import { cidrLast, parseCidr } from '../../lib/core/cidr';
import { Analysis, Endpoint } from 'eks-zero-trust/analysis';
import { analyze, deployment, NS } from './helpers';

// connections() groups sides, shares verdicts between sides of the same
// shape and merges address blocks; verdict() evaluates one pair from scratch.
// On any cluster the two must agree, pair by pair.

const TEMPLATES: { [name: string]: (ns: string) => string } = {
  'default-deny': (ns) => np(ns, 'default-deny', '  podSelector: {}\n  policyTypes: [Ingress, Egress]\n'),
  'allow-dns': (ns) => np(ns, 'allow-dns', "  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': kube-system } }, podSelector: { matchLabels: { k8s-app: kube-dns } } }], ports: [{ protocol: UDP, port: 53 }] }]\n"),
  'db-from-web-named': (ns) => np(ns, 'db-from-web', '  podSelector: { matchLabels: { app: db } }\n  ingress: [{ from: [{ podSelector: { matchLabels: { app: web } } }], ports: [{ port: db }] }]\n'),
  'web-to-db-named': (ns) => np(ns, 'web-to-db', '  podSelector: { matchLabels: { app: web } }\n  policyTypes: [Egress]\n  egress: [{ to: [{ podSelector: { matchLabels: { app: db } } }], ports: [{ port: http }, { port: db }] }]\n'),
  'web-from-teams': (ns) => np(ns, 'web-from-teams', '  podSelector: { matchLabels: { app: web } }\n  ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: blue } } }], ports: [{ port: http }] }]\n'),
  'internet-443': (ns) => np(ns, 'internet', '  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{ to: [{ ipBlock: { cidr: 0.0.0.0/0, except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16] } }], ports: [{ port: 443 }] }]\n'),
  'from-partners': (ns) => np(ns, 'from-partners', '  podSelector: { matchLabels: { app: web } }\n  ingress: [{ from: [{ ipBlock: { cidr: 198.51.100.0/24 } }] }]\n'),
};

const GLOBAL_GUARD = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: { name: guard }\nspec:\n  order: 10\n  selector: app == 'web'\n  types: [Ingress]\n  ingress: [{ action: Deny, source: { nets: [198.51.100.128/25] } }, { action: Pass }]\n";

function np(ns: string, name: string, spec: string): string {
  return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: ${name}, namespace: ${ns} }\nspec:\n${spec}`;
}

interface NamespacePlan {
  readonly team: 'blue' | 'red';
  readonly httpPort: number;
  readonly dbNamed: boolean;
  readonly policies: readonly string[];
}

function cluster(plans: readonly NamespacePlan[], guard: boolean): Analysis {
  // A namespace without policies whose probe reaches out freely, from a blue team.
  const docs = [NS('kube-system'), deployment('kube-system', 'coredns', { 'k8s-app': 'kube-dns' }, '{ containerPort: 53, protocol: UDP }'),
    NS('outside', { team: 'blue' }), deployment('outside', 'probe', { app: 'probe' })];
  plans.forEach((plan, i) => {
    const ns = `ns-${i}`;
    docs.push(NS(ns, { team: plan.team }));
    docs.push(deployment(ns, 'web', { app: 'web' }, `{ containerPort: ${plan.httpPort}, name: http }`));
    docs.push(deployment(ns, 'db', { app: 'db' }, plan.dbNamed ? '{ containerPort: 5432, name: db }' : '{ containerPort: 5432 }'));
    docs.push(deployment(ns, 'job', { app: 'job' }));
    for (const p of plan.policies) docs.push(TEMPLATES[p](ns));
  });
  if (guard) docs.push(GLOBAL_GUARD);
  return analyze(...docs);
}

/** The address blocks (atoms) a connection end covers: an atom lies wholly inside the end or outside it, so its first address tells. */
function atomsOf(a: Analysis, ips: readonly string[]): Endpoint[] {
  const blocks = ips.map((ip) => parseCidr(ip).cidr!);
  return a.externals.filter((x) => blocks.some((b) => b.family === x.external!.family && x.external!.start >= b.network && x.external!.start <= cidrLast(b)));
}

/** Every pair's verdict from connections(), as `src -> dst` -> port set text. */
function fromConnections(a: Analysis): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of a.connections()) {
    const srcs = typeof c.src === 'string' ? [c.src] : atomsOf(a, c.src.ips).map((x) => x.id);
    const dsts = typeof c.dst === 'string' ? [c.dst] : atomsOf(a, c.dst.ips).map((x) => x.id);
    for (const s of srcs) for (const d of dsts) {
      const key = `${s} -> ${d}`;
      expect(out.has(key)).toBe(false);
      out.set(key, c.allowed.toString());
    }
  }
  return out;
}

/** Every pair's verdict evaluated one by one. */
function fromVerdicts(a: Analysis): Map<string, string> {
  const out = new Map<string, string>();
  const add = (s: Endpoint, d: Endpoint) => {
    const allowed = a.verdict(s, d).allowed;
    if (!allowed.isEmpty) out.set(`${s.id} -> ${d.id}`, allowed.toString());
  };
  for (const s of a.workloads) {
    for (const d of a.workloads) if (s !== d) add(s, d);
    for (const x of a.externals) { add(s, x); add(x, s); }
  }
  return out;
}

describe('connections() agrees with verdict() on every pair', () => {
  test('on copies of the same policies in namespaces whose workloads name their ports differently', () => {
    const all = Object.keys(TEMPLATES);
    const a = cluster([
      { team: 'blue', httpPort: 8080, dbNamed: true, policies: all },
      { team: 'red', httpPort: 9090, dbNamed: true, policies: all },
      { team: 'blue', httpPort: 8080, dbNamed: false, policies: all },
      { team: 'red', httpPort: 8080, dbNamed: true, policies: all.filter((p) => p !== 'allow-dns') },
    ], false);
    const expected = fromVerdicts(a);
    expect(expected.get('ns-1/web -> ns-1/db')).toBe('TCP 5432');
    expect(expected.get('ns-0/web -> ns-0/db')).toBe('TCP 5432');
    expect(expected.has('ns-2/web -> ns-2/db')).toBe(false);
    expect(expected.get('ns-0/web -> ns-1/web')).toBeUndefined();
    expect(expected.get('outside/probe -> ns-0/web')).toBe('TCP 8080');
    expect(expected.get('outside/probe -> ns-1/web')).toBe('TCP 9090');
    expect(fromConnections(a)).toEqual(expected);
  });

  test('on any mix of namespaces, policies and port names', () => {
    // Namespaces get the same policies (as tenants do) plus a few of their own.
    const namespace = fc.record({
      team: fc.constantFrom<'blue' | 'red'>('blue', 'red'),
      httpPort: fc.constantFrom(8080, 9090),
      dbNamed: fc.boolean(),
      extra: fc.subarray(Object.keys(TEMPLATES), { maxLength: 2 }),
    });
    const scenario = fc.record({ shared: fc.subarray(Object.keys(TEMPLATES)), namespaces: fc.array(namespace, { minLength: 1, maxLength: 4 }), guard: fc.boolean() });
    fc.assert(fc.property(scenario, ({ shared, namespaces, guard }) => {
      const a = cluster(namespaces.map((n) => ({ ...n, policies: [...new Set([...shared, ...n.extra])] })), guard);
      expect(fromConnections(a)).toEqual(fromVerdicts(a));
    }), { numRuns: 60 });
  });
});
