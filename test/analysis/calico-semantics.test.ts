/**
 * Calico rule semantics as Felix computes them, each case decided from
 * Calico's source (cited in lib/analysis/policies/calico.ts):
 * libcalico-go lib/backend/syncersv1/updateprocessors/rules.go (selector
 * scoping), projectcalico/api policy_common.go (default types) and
 * numorstring/protocol.go (protocols), libcalico-go validator (ports).
 */
import { analyze, allowed, deployment, NS } from './helpers';

const base = [NS('a', { team: 'x' }), NS('b', { team: 'y' }), deployment('a', 'web', { app: 'web' }), deployment('a', 'db', { app: 'db' }), deployment('b', 'client', { app: 'client' })];
const gnp = (name: string, spec: string) => `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: { name: ${name} }\nspec:\n${spec}`;
const np = (ns: string, name: string, spec: string) => `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: { name: ${name}, namespace: ${ns} }\nspec:\n${spec}`;
const globalSet = 'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata: { name: partners, labels: { role: partner } }\nspec: { nets: [198.51.100.0/24] }\n';
const setIn = (ns: string) => `apiVersion: projectcalico.org/v3\nkind: NetworkSet\nmetadata: { name: office, namespace: ${ns}, labels: { role: office } }\nspec: { nets: [192.0.2.0/24] }\n`;
/** An egress policy on a/web with one rule toward `destination`, and a Deny of the rest. */
const webEgress = (destination: string) => gnp('web-out', `  selector: app == 'web'\n  types: [Egress]\n  egress: [{ action: Allow, destination: ${destination} }, { action: Deny }]\n`);

describe('Calico selectors match endpoints, not addresses', () => {
  test.each([
    ["{ selector: \"app != 'x'\" }", 'all'],
    ['{ selector: "!has(role)" }', 'nothing'],
    ["{ selector: \"role not in {'x'}\" }", 'all'],
    ['{ selector: all() }', 'all'],
  ])('%s matches no address outside network sets', (destination, partners) => {
    const a = analyze(...base, globalSet, webEgress(destination));
    expect(allowed(a, 'a/web', '203.0.113.9')).toBe('nothing');
    // Network sets are endpoints: the selector is tested on their labels (role: partner).
    expect(allowed(a, 'a/web', '198.51.100.7')).toBe(partners);
  });

  test('notSelector excludes the endpoints it matches, and never an address outside network sets', () => {
    const a = analyze(...base, globalSet, webEgress("{ notSelector: role == 'partner' }"));
    expect(allowed(a, 'a/web', '203.0.113.9')).toBe('all');
    expect(allowed(a, 'a/web', '198.51.100.7')).toBe('nothing');
    expect(allowed(a, 'a/web', 'b/client')).toBe('all');
  });

  test('an address in two network sets matches a selector when either set does', () => {
    const other = 'apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata: { name: cdn, labels: { role: cdn } }\nspec: { nets: [198.51.100.0/25] }\n';
    const a = analyze(...base, globalSet, other, webEgress("{ selector: role == 'cdn' && has(role) }"));
    expect(allowed(a, 'a/web', '198.51.100.7')).toBe('all');
    expect(allowed(a, 'a/web', '198.51.100.200')).toBe('nothing');
  });
});

describe('a namespaced rule is scoped to its namespace', () => {
  test('selector all() in a NetworkPolicy means the policy\'s namespace', () => {
    const a = analyze(...base, np('a', 'db-in', "  selector: app == 'db'\n  ingress: [{ action: Allow, source: { selector: all() } }]\n"));
    expect(allowed(a, 'a/web', 'a/db')).toBe('all');
    expect(allowed(a, 'b/client', 'a/db')).toBe('nothing');
  });

  test('notSelector alone scopes the rule to the namespace too', () => {
    const a = analyze(...base, np('a', 'db-in', "  selector: app == 'db'\n  ingress: [{ action: Allow, source: { notSelector: app == 'web' } }]\n"));
    expect(allowed(a, 'a/web', 'a/db')).toBe('nothing');
    expect(allowed(a, 'b/client', 'a/db')).toBe('nothing');
    const open = analyze(...base, np('a', 'db-in', "  selector: app == 'db'\n  ingress: [{ action: Allow, source: { nets: [0.0.0.0/0] } }, { action: Allow, source: { selector: app == 'web' } }]\n"));
    expect(allowed(open, 'b/client', 'a/db')).toBe('nothing');
  });

  test('namespaced NetworkSets: the own namespace\'s only, unless a namespaceSelector reaches further', () => {
    const own = analyze(...base, setIn('a'), np('a', 'out', "  selector: app == 'web'\n  types: [Egress]\n  egress: [{ action: Allow, destination: { selector: role == 'office' } }]\n"));
    expect(allowed(own, 'a/web', '192.0.2.1')).toBe('all');
    const other = analyze(...base, setIn('b'), np('a', 'out', "  selector: app == 'web'\n  types: [Egress]\n  egress: [{ action: Allow, destination: { selector: role == 'office' } }]\n"));
    expect(allowed(other, 'a/web', '192.0.2.1')).toBe('nothing');
    const reached = analyze(...base, setIn('b'), np('a', 'out', "  selector: app == 'web'\n  types: [Egress]\n  egress: [{ action: Allow, destination: { selector: role == 'office', namespaceSelector: team == 'y' } }]\n"));
    expect(allowed(reached, 'a/web', '192.0.2.1')).toBe('all');
  });

  test('namespaceSelector global() reaches GlobalNetworkSets only; all() reaches every namespace but no global set', () => {
    const rule = (nsSel: string) => analyze(...base, globalSet, np('a', 'out', `  selector: app == 'web'\n  types: [Egress]\n  egress: [{ action: Allow, destination: { namespaceSelector: ${nsSel} } }]\n`));
    expect(allowed(rule('global()'), 'a/web', '198.51.100.1')).toBe('all');
    expect(allowed(rule('global()'), 'a/web', 'b/client')).toBe('nothing');
    expect(allowed(rule('all()'), 'a/web', 'b/client')).toBe('all');
    expect(allowed(rule('all()'), 'a/web', '198.51.100.1')).toBe('nothing');
    expect(allowed(rule("global() || team == 'y'"), 'a/web', 'b/client')).toBe('all');
    expect(allowed(rule("global() || team == 'y'"), 'a/web', '198.51.100.1')).toBe('all');
  });
});

describe('protocols and ports', () => {
  const dbIn = (rule: string) => analyze(...base, np('a', 'db-in', `  selector: app == 'db'\n  ingress: [${rule}]\n`));

  test('protocol numbers name the protocols with ports', () => {
    expect(allowed(dbIn('{ action: Allow, protocol: 6, destination: { ports: [80] } }'), 'a/web', 'a/db')).toBe('TCP 80');
    expect(allowed(dbIn('{ action: Allow, protocol: 17 }'), 'a/web', 'a/db')).toBe('UDP all ports');
    expect(allowed(dbIn('{ action: Allow, protocol: udp }'), 'a/web', 'a/db')).toBe('UDP all ports');
  });

  test('ICMP, UDPLite and other protocol numbers open no TCP, UDP or SCTP port', () => {
    for (const protocol of ['ICMP', 'ICMPv6', 'UDPLite', '47', '1']) {
      expect(allowed(dbIn(`{ action: Allow, protocol: ${protocol} }`), 'a/web', 'a/db')).toBe('nothing');
    }
    expect(allowed(dbIn('{ action: Allow, protocol: ICMP, icmp: { type: 8 } }'), 'a/web', 'a/db')).toBe('nothing');
  });

  test('notProtocol takes its protocol away', () => {
    expect(allowed(dbIn('{ action: Allow, notProtocol: TCP }'), 'a/web', 'a/db')).toBe('UDP all ports; SCTP all ports');
    expect(allowed(dbIn('{ action: Allow, notProtocol: ICMP }'), 'a/web', 'a/db')).toBe('all');
    expect(allowed(dbIn('{ action: Allow, protocol: TCP, notProtocol: TCP }'), 'a/web', 'a/db')).toBe('nothing');
  });

  test('invalid combinations are problems naming the field, as Calico rejects them', () => {
    const cases: [string, string, string][] = [
      ['{ action: Allow, icmp: { type: 8 } }', 'spec.ingress[0].icmp', 'needs protocol ICMP'],
      ['{ action: Allow, protocol: TCP, notICMP: { type: 8 } }', 'spec.ingress[0].notICMP', 'needs protocol ICMP'],
      ['{ action: Allow, destination: { ports: [80] } }', 'spec.ingress[0].destination.ports[0]', 'needs protocol TCP, UDP or SCTP'],
      ['{ action: Allow, protocol: ICMP, destination: { ports: [80] } }', 'spec.ingress[0].destination.ports', 'has no ports'],
      ['{ action: Allow, protocol: GRE }', 'spec.ingress[0].protocol', 'is not TCP, UDP, ICMP'],
      ['{ action: Allow, protocol: 300 }', 'spec.ingress[0].protocol', 'is not a protocol number'],
    ];
    for (const [rule, field, message] of cases) {
      const problem = dbIn(rule).problems.find((p) => p.field === field);
      expect({ rule, problem: problem?.message }).toEqual({ rule, problem: expect.stringContaining(message) });
    }
  });

  test('a named port needs no protocol', () => {
    const a = analyze(...base.slice(0, 3), deployment('a', 'db', { app: 'db' }, '{ name: pg, containerPort: 5432 }'), deployment('b', 'client', { app: 'client' }),
      np('a', 'db-in', "  selector: app == 'db'\n  ingress: [{ action: Allow, destination: { ports: [pg] } }]\n"));
    expect(a.problems).toEqual([]);
    expect(allowed(a, 'a/web', 'a/db')).toBe('TCP 5432');
  });
});

test('ipVersion restricts a rule to one address family', () => {
  const a = analyze(...base, webEgress('{ nets: [0.0.0.0/0, "::/0"] }').replace('egress: [{ action: Allow,', 'egress: [{ action: Allow, ipVersion: 4,'));
  expect(allowed(a, 'a/web', '203.0.113.9')).toBe('all');
  expect(allowed(a, 'a/web', '2001:db8::1')).toBe('nothing');
});

describe('types when omitted (policy_common.go)', () => {
  test('egress rules only: the policy is Egress, and ingress stays open', () => {
    const a = analyze(...base, np('a', 'web-out', "  selector: app == 'web'\n  egress: [{ action: Allow, destination: { selector: app == 'db' } }]\n"));
    expect(allowed(a, 'b/client', 'a/web')).toBe('all');
    expect(allowed(a, 'a/web', 'b/client')).toBe('nothing');
  });

  test('both kinds of rules: both directions; no rules at all: Ingress', () => {
    const both = analyze(...base, np('a', 'web', "  selector: app == 'web'\n  ingress: [{ action: Allow, source: { selector: app == 'db' } }]\n  egress: [{ action: Allow, destination: { selector: app == 'db' } }]\n"));
    expect(allowed(both, 'b/client', 'a/web')).toBe('nothing');
    expect(allowed(both, 'a/web', 'b/client')).toBe('nothing');
    const none = analyze(...base, np('a', 'web', "  selector: app == 'web'\n"));
    expect(allowed(none, 'b/client', 'a/web')).toBe('nothing');
    expect(allowed(none, 'a/web', 'b/client')).toBe('all');
  });
});

test('destination.domains (Calico Enterprise) is a problem, and the rule allows nothing rather than everything', () => {
  const a = analyze(...base, np('a', 'web-out', "  selector: app == 'web'\n  types: [Egress]\n  egress: [{ action: Allow, destination: { domains: [api.example.com] } }]\n"));
  // Open-source Calico's schema has no such field either: the schema check says so too.
  expect([...new Set(a.problems.map((p) => p.field))]).toEqual(['spec.egress[0].destination.domains']);
  expect(a.problems.some((p) => p.message.includes('Calico Enterprise field'))).toBe(true);
  expect(allowed(a, 'a/web', '203.0.113.9')).toBe('nothing');
  expect(allowed(a, 'a/web', 'b/client')).toBe('nothing');
});
