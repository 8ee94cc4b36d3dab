import * as fc from 'fast-check';
import { Peer, PolicyTarget, Port, Protocol, ZeroTrustError, ZeroTrustNamespace, KubeObject } from 'eks-zero-trust';
import { Connectivity } from 'eks-zero-trust/analysis';
import { App, Chart } from 'cdk8s';
import { DIALECT_TARGETS, KUBE_DNS, policyChart } from './fixtures';

const APPS = ['web', 'api', 'db', 'cache', 'worker'];
const NAMESPACES = ['alpha', 'beta'];

/** A random flow between apps of two zero-trust namespaces, or to the internet. */
const flowArb = fc.record({
  fromNs: fc.constantFrom(...NAMESPACES),
  from: fc.constantFrom(...APPS),
  toNs: fc.constantFrom(...NAMESPACES),
  to: fc.constantFrom(...APPS, 'internet'),
  ports: fc.uniqueArray(fc.record({ protocol: fc.constantFrom(Protocol.TCP, Protocol.UDP), port: fc.integer({ min: 1, max: 65535 }), width: fc.nat({ max: 20 }) }), { minLength: 1, maxLength: 3, selector: (p) => `${p.protocol}/${p.port}/${p.width}` }),
});

function workloads(): KubeObject[] {
  return NAMESPACES.flatMap((ns) => APPS.map((app) => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app, namespace: ns },
    spec: { template: { metadata: { labels: { app } }, spec: { containers: [{ name: app }] } } },
  }) as KubeObject));
}

type Flow = typeof flowArb extends fc.Arbitrary<infer T> ? T : never;

/** Renders the flows, each distinct flow once (the internet is the same whatever toNs says); returns the flows applied. */
function render(target: PolicyTarget, flows: Flow[]): { chart: Chart; applied: Flow[] } {
  const chart = policyChart(target);
  const spaces = Object.fromEntries(NAMESPACES.map((n) => [n, new ZeroTrustNamespace(chart, n)]));
  const seen = new Set<string>();
  const applied: Flow[] = [];
  for (const f of flows) {
    const key = f.to === 'internet' ? `${f.fromNs}/${f.from}->internet` : `${f.fromNs}/${f.from}->${f.toNs}/${f.to}`;
    if (seen.has(key) || (f.fromNs === f.toNs && f.from === f.to)) continue;
    seen.add(key);
    applied.push(f);
    const ports = f.ports.map((p) => (p.width === 0 ? (p.protocol === Protocol.TCP ? Port.tcp(p.port) : Port.udp(p.port)) : Port.range(p.protocol, p.port, Math.min(65535, p.port + p.width))));
    const to = f.to === 'internet' ? Peer.internet() : spaces[f.toNs].pods({ app: f.to });
    spaces[f.fromNs].allow(spaces[f.fromNs].pods({ app: f.from }), to, ports);
  }
  return { chart, applied };
}

describe('property: one intent, three dialects, the same connectivity', () => {
  test('random valid intents render in every dialect to identical analyzer results', () => {
    fc.assert(fc.property(fc.array(flowArb, { maxLength: 6 }), (flows) => {
      const results = DIALECT_TARGETS.map(([, target]) => {
        const { chart } = render(target, flows);
        const objects = chart.toJson() as KubeObject[];
        // Invariants the renderers keep: every object is labelled and named; the deny comes after its allowances.
        for (const o of objects) expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
        for (const ns of NAMESPACES) {
          const names = objects.filter((o) => o.metadata.namespace === ns).map((o) => o.metadata.name);
          expect(names[names.length - 1]).toBe('default-deny');
        }
        return JSON.stringify(Connectivity.of([chart], [...workloads(), KUBE_DNS]).analysis.toJson());
      });
      expect(results[1]).toBe(results[0]);
      expect(results[2]).toBe(results[0]);
    }), { numRuns: 40 });
  });

  test('every allowed flow is allowed and the reverse direction is not (unless asked)', () => {
    fc.assert(fc.property(fc.array(flowArb, { minLength: 1, maxLength: 4 }), (flows) => {
      const { chart, applied } = render(PolicyTarget.CALICO, flows);
      const net = Connectivity.of([chart], [...workloads(), KUBE_DNS]);
      for (const f of applied) {
        if (f.to === 'internet') continue;
        const p = f.ports[0];
        expect(net.isAllowed(`${f.fromNs}/${f.from}`, `${f.toNs}/${f.to}`, `${p.port}/${p.protocol}`)).toBe(true);
      }
    }), { numRuns: 30 });
  });
});

describe('property: invalid input always fails with ZeroTrustError, never a crash', () => {
  const badCidr = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 255 }), fc.integer({ min: 0, max: 23 })).map(([a, b, p]) => `${a}.0.0.${b}/${p}`),
    fc.string({ maxLength: 12 }).filter((s) => !/^[0-9./:a-f]+$/.test(s)),
    fc.integer({ min: 33, max: 200 }).map((p) => `10.0.0.0/${p}`),
  );
  const badPort = fc.oneof(fc.integer({ min: 65536, max: 10_000_000 }), fc.integer({ min: -1000, max: 0 }), fc.double({ min: 1.1, max: 100.9, noInteger: true }));
  const badLabel = fc.oneof(fc.string({ minLength: 1, maxLength: 10 }).map((s) => `-${s}`), fc.string({ minLength: 64, maxLength: 80 }).map((s) => `a${s.replace(/[^a-z]/g, 'a')}`));

  test.each([
    ['CIDR', badCidr.map((c) => (ns: ZeroTrustNamespace) => ns.allow(ns.pods({ app: 'a' }), Peer.ipBlock(c), [Port.tcp(443)]))],
    ['port', badPort.map((p) => (ns: ZeroTrustNamespace) => ns.allow(ns.pods({ app: 'a' }), ns.pods({ app: 'b' }), [Port.tcp(p)]))],
    ['label', badLabel.map((l) => (ns: ZeroTrustNamespace) => ns.allow(ns.pods({ app: l }), ns.pods({ app: 'b' }), [Port.tcp(80)]))],
  ] as const)('invalid %s', (_, arb) => {
    fc.assert(fc.property(arb as fc.Arbitrary<(ns: ZeroTrustNamespace) => void>, (apply) => {
      for (const [, target] of DIALECT_TARGETS) {
        const ns = new ZeroTrustNamespace(new Chart(new App(), 'c'), 'app', { target });
        let error: unknown;
        try { apply(ns); } catch (e) { error = e; }
        expect(error).toBeInstanceOf(ZeroTrustError);
        expect((error as Error).message).toMatch(/^c\/app\/.*: .* Fix: /);
      }
    }), { numRuns: 50 });
  });
});
