import * as fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CsvReader, detectFormat, FlowAggregator, FlowFormat, GoldmaneReader, HubbleReader, identityLabels, readFlowFile, type LineResult, type ObservedFlow } from '../../lib/recommend';
import { forEachLine } from '../../lib/recommend/read-flows';
import { workloadNameFromPod } from '../../lib/recommend/flow';
import { caasScenario, hubbleExport, hubbleLine, KUBE_DNS, SampleFlow, tenantWorkloads, whiskerExport } from './flows';

function flowOf(r: LineResult): ObservedFlow {
  if (!('flow' in r)) throw new Error(`expected a flow, got ${JSON.stringify(r)}`);
  return r.flow;
}

/** The same JSON with every object's keys in reverse order (what jq or another exporter may print). */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)]));
  return value;
}

describe('workload identity', () => {
  test('hashes, ordinals and engine labels never identify a workload; the app labels do', () => {
    expect(identityLabels({ 'app': 'postgres', 'controller-revision-hash': 'postgres-6b8f9d7c5', 'statefulset.kubernetes.io/pod-name': 'postgres-0' })).toEqual({ app: 'postgres' });
    expect(identityLabels({ 'team': 'payments', 'pod-template-hash': '7c9d8b6f54', 'io.cilium.k8s.policy.cluster': 'default' })).toEqual({ team: 'payments' });
    expect(identityLabels({ 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/instance': 'api-prod', 'version': 'v2' })).toEqual({ 'app.kubernetes.io/instance': 'api-prod', 'app.kubernetes.io/name': 'api' });
    expect(identityLabels({ tier: 'web', app: 'shop' }, ['tier'])).toEqual({ tier: 'web' });
  });

  test('pod names lose their generated suffixes', () => {
    expect(workloadNameFromPod('cloudify-manager-7c9d8b6f54-x2k9q')).toBe('cloudify-manager');
    expect(workloadNameFromPod('postgres-0')).toBe('postgres');
    expect(workloadNameFromPod('frontend-7c9d8b6f54-*')).toBe('frontend');
    expect(workloadNameFromPod('rabbitmq-*')).toBe('rabbitmq');
    expect(workloadNameFromPod('web')).toBe('web');
  });
});

describe('Hubble reader', () => {
  const t = tenantWorkloads('acme');

  test('reads an L3/L4 flow: workloads by identity labels, the port, the verdict', () => {
    const flow = flowOf(new HubbleReader().read(hubbleLine({ src: t.manager, dst: t.postgres, protocol: 'TCP', port: 5432 }, 1)));
    expect(flow).toEqual({
      src: { kind: 'workload', namespace: 'tenant-acme', labels: { app: 'cloudify-manager' }, name: 'cloudify-manager' },
      dst: { kind: 'workload', namespace: 'tenant-acme', labels: { app: 'postgres' }, name: 'postgres' },
      protocol: 'TCP', port: 5432, allowed: true,
    });
  });

  test('once both identities are known, a line is read without JSON.parse', () => {
    const reader = new HubbleReader();
    const line = hubbleLine({ src: t.manager, dst: t.postgres, protocol: 'TCP', port: 5432 }, 1);
    const first = reader.read(line);
    const parse = jest.spyOn(JSON, 'parse');
    try {
      expect(reader.read(hubbleLine({ src: t.manager, dst: t.postgres, protocol: 'TCP', port: 5432 }, 2))).toEqual(first);
      expect(reader.read(hubbleLine({ src: t.manager, dst: { ip: '52.216.8.10' }, protocol: 'TCP', port: 443 }, 3))).toEqual({ flow: expect.objectContaining({ dst: { kind: 'address', ip: '52.216.8.10' } }) });
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });

  test('addresses outside the cluster keep their IP and the DNS names they were looked up by; drops are not allowed', () => {
    const out = flowOf(new HubbleReader().read(hubbleLine({ src: t.manager, dst: { ip: '52.216.8.10', names: ['repository.cloudify.co'] }, protocol: 'TCP', port: 443 }, 2)));
    expect(out.dst).toEqual({ kind: 'address', ip: '52.216.8.10', names: ['repository.cloudify.co'] });
    const dropped = flowOf(new HubbleReader().read(hubbleLine({ src: t.web, dst: t.manager, protocol: 'TCP', port: 80, verdict: 'DROPPED' }, 3)));
    expect(dropped.allowed).toBe(false);
    const audited = flowOf(new HubbleReader().read(hubbleLine({ src: t.web, dst: t.manager, protocol: 'TCP', port: 80, verdict: 'AUDIT' }, 3)));
    expect(audited.allowed).toBe(true);
  });

  test('replies, L7 records and host traffic are skipped, with the reason', () => {
    const reader = new HubbleReader();
    const f: SampleFlow = { src: t.manager, dst: KUBE_DNS, protocol: 'UDP', port: 53 };
    expect(reader.read(hubbleLine(f, 1, { isReply: true }))).toEqual({ skip: 'reply' });
    expect(reader.read(hubbleLine(f, 1, { type: 'L7' }))).toEqual({ skip: 'Type L7' });
    const host = JSON.parse(hubbleLine(f, 1)) as { flow: { source: object } };
    host.flow.source = { identity: 1, labels: ['reserved:host'] };
    expect(reader.read(JSON.stringify(host))).toEqual({ skip: 'host or node traffic' });
  });

  test('the API server is its own kind of peer, with the address it was reached at', () => {
    const line = JSON.parse(hubbleLine({ src: t.manager, dst: { ip: '172.20.0.1' }, protocol: 'TCP', port: 443 }, 4)) as { flow: { destination: object } };
    line.flow.destination = { identity: 7, labels: ['reserved:kube-apiserver'] };
    const text = JSON.stringify(line);
    const reader = new HubbleReader();
    expect(flowOf(reader.read(text)).dst).toEqual({ kind: 'api-server', ip: '172.20.0.1' });
    expect(flowOf(reader.read(text)).dst).toEqual({ kind: 'api-server', ip: '172.20.0.1' });
  });

  test('malformed lines are errors, not crashes', () => {
    const reader = new HubbleReader();
    expect(reader.read('{"flow": {')).toEqual({ error: expect.stringMatching(/^is not JSON/) });
    expect(reader.read('[1, 2]')).toEqual({ error: 'is not a JSON object' });
    expect(reader.read('{"hello": "world"}')).toEqual({ error: expect.stringMatching(/not a Hubble flow/) });
    const badPort = JSON.parse(hubbleLine({ src: t.manager, dst: t.postgres, protocol: 'TCP', port: 5432 }, 1)) as { flow: { l4: { TCP: { destination_port: number } } } };
    badPort.flow.l4.TCP.destination_port = 70000;
    expect(reader.read(JSON.stringify(badPort))).toEqual({ error: expect.stringMatching(/destination_port is 70000/) });
  });

  const endArb = fc.oneof(
    fc.constantFrom(t.manager, t.postgres, t.rabbitmq, t.web, KUBE_DNS, ...Object.values(tenantWorkloads('globex'))),
    fc.record({ ip: fc.ipV4(), names: fc.option(fc.array(fc.domain(), { minLength: 1, maxLength: 2 }), { nil: undefined }) }),
  );
  const sampleArb = fc.record({
    src: endArb, dst: endArb,
    protocol: fc.constantFrom('TCP' as const, 'UDP' as const),
    port: fc.integer({ min: 1, max: 65535 }),
    verdict: fc.constantFrom('FORWARDED' as const, 'DROPPED' as const, 'AUDIT' as const),
  });

  test('an identity or port in a nested object, or after its object, is not taken for the endpoint\'s or the flow\'s own', () => {
    const line = hubbleLine({ src: t.manager, dst: t.postgres, protocol: 'TCP', port: 5432 }, 1);
    const parsed = JSON.parse(line) as { flow: { source: { identity: number }; destination: { identity: number }; l4: { TCP: { [key: string]: unknown } } } };
    const warm = new HubbleReader();
    warm.read(line); // both identities known: the next lines take the field scan where it can
    const variants = [
      // the source's first "identity" is the destination's, inside a nested object
      { ...parsed, flow: { ...parsed.flow, source: { ID: 1, nested: { identity: parsed.flow.destination.identity }, ...parsed.flow.source } } },
      // the port comes after the TCP object has closed
      { ...parsed, flow: { ...parsed.flow, l4: { TCP: { source_port: 40000 }, destination_port: 9 } } },
    ];
    for (const v of variants) {
      const text = JSON.stringify(v);
      expect(warm.read(text)).toEqual(new HubbleReader().read(text));
    }
    expect(flowOf(warm.read(JSON.stringify(variants[0])))).toMatchObject({ src: { name: 'cloudify-manager' } });
  });

  test('a port or identity that is not written as a JSON integer goes to the full parse, which judges it', () => {
    const line = hubbleLine({ src: t.manager, dst: t.postgres, protocol: 'TCP', port: 5432 }, 1);
    const warm = new HubbleReader();
    warm.read(line); // both identities known: the next lines take the field scan where it can
    const variants = [
      line.replace('"destination_port":5432', '"destination_port":5432.5'),
      line.replace('"destination_port":5432', '"destination_port":5432e0'),
      line.replace('"destination_port":5432', '"destination_port":05432'),
      line.replace(/"identity":(\d+)/, '"identity":$1.0'),
    ];
    for (const text of variants) {
      expect(text).not.toBe(line);
      expect(warm.read(text)).toEqual(new HubbleReader().read(text));
    }
    expect(warm.read(variants[0])).toEqual({ error: expect.stringMatching(/destination_port is 5432.5/) });
  });

  test('property: the field scan and the full parse read every line the same way, whatever the key order', () => {
    fc.assert(fc.property(fc.array(fc.tuple(sampleArb, fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 20 }), (samples) => {
      const warm = new HubbleReader();
      const ranged = new HubbleReader();
      const cold = new HubbleReader();
      // All lines in one buffer, as the file reader hands them over.
      const lines = samples.map(([f, reply, reversed], i) => {
        const raw = hubbleLine(f, i, { isReply: reply });
        return reversed ? JSON.stringify(reverseKeys(JSON.parse(raw))) : raw;
      });
      const text = `${lines.join('\n')}\n`;
      for (const pass of [1, 2]) {
        let start = 0;
        lines.forEach((line) => {
          const end = text.indexOf('\n', start);
          if (pass === 1) warm.read(line); // the first read fills the identity cache: the second takes the field scan
          else expect(warm.read(line)).toEqual(cold.read(line));
          expect(ranged.readRange(text, start, end)).toEqual(new HubbleReader().read(line));
          start = end + 1;
        });
        ranged.newChunk();
      }
    }), { numRuns: 60 });
  });
});

describe('Goldmane / Whisker reader', () => {
  const reader = new GoldmaneReader();

  test('reads Whisker flow items: labels joined with " | ", pub and pvt networks', () => {
    const [line] = whiskerExport(caasScenario(['acme'])).split('\n');
    expect(flowOf(reader.read(line))).toEqual({
      src: { kind: 'workload', namespace: 'tenant-acme', labels: { app: 'cloudify-manager' }, name: 'cloudify-manager' },
      dst: { kind: 'workload', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, name: 'coredns' },
      protocol: 'UDP', port: 53, allowed: true,
    });
    const pub = flowOf(reader.read(JSON.stringify({ source_name: 'pub', source_namespace: '', dest_name: 'web-6d4b9c8f7-*', dest_namespace: 'shop', dest_labels: 'app=web', protocol: 'tcp', dest_port: 443, action: 'Allow', reporter: 'Dst' })));
    expect(pub.src).toEqual({ kind: 'public' });
    const pvt = flowOf(reader.read(JSON.stringify({ source_name: 'web-*', source_namespace: 'shop', source_labels: 'app=web', dest_name: 'pvt', dest_namespace: '', protocol: 'udp', dest_port: 5353, action: 'Deny', reporter: 'Src' })));
    expect(pvt).toMatchObject({ dst: { kind: 'private' }, protocol: 'UDP', allowed: false });
  });

  test('reads Goldmane Flow and FlowResult messages, proto or camelCase names, enums by name or number, pages and server-sent events', () => {
    const key = { source_name: 'api-*', source_namespace: 'shop', source_type: 'WorkloadEndpoint', dest_name: 'db-*', dest_namespace: 'shop', dest_type: 1, dest_port: 5432, proto: 'tcp', reporter: 'Src', action: 1 };
    const flow = { Key: key, source_labels: ['app=api'], dest_labels: ['app=db', 'pod-template-hash=abc123def'] };
    const expected = { src: { kind: 'workload', namespace: 'shop', labels: { app: 'api' }, name: 'api' }, dst: { kind: 'workload', namespace: 'shop', labels: { app: 'db' }, name: 'db' }, protocol: 'TCP', port: 5432, allowed: true };
    expect(flowOf(reader.read(JSON.stringify(flow)))).toEqual(expected);
    expect(flowOf(reader.read(`data: ${JSON.stringify({ id: 7, flow })}`))).toEqual(expected);
    const camel = { key: { sourceName: 'api-*', sourceNamespace: 'shop', destName: 'db-*', destNamespace: 'shop', destPort: 5432, proto: '6', action: 'Allow' }, sourceLabels: ['app=api'], destLabels: ['app=db'] };
    expect(flowOf(reader.read(JSON.stringify(camel)))).toEqual(expected);
    expect(reader.read(JSON.stringify({ items: [flow, flow] }))).toEqual({ flows: [expected, expected] });
  });

  test('host endpoints and network sets are skipped; bad ports and actions are errors', () => {
    expect(reader.read(JSON.stringify({ source_name: 'node-1', source_type: 'HostEndpoint', dest_name: 'db-*', dest_namespace: 'shop', protocol: 'tcp', dest_port: 5432, action: 'Allow' }))).toEqual({ skip: 'host traffic' });
    expect(reader.read(JSON.stringify({ source_name: 'x-*', source_namespace: 'shop', dest_name: 'partners', dest_type: 'NetworkSet', protocol: 'tcp', dest_port: 443, action: 'Allow' }))).toEqual({ skip: expect.stringMatching(/^NetworkSet partners/) });
    expect(reader.read(JSON.stringify({ source_name: 'x-*', source_namespace: 'shop', dest_name: 'y-*', dest_namespace: 'shop', protocol: 'tcp', dest_port: 0, action: 'Allow' }))).toEqual({ error: expect.stringMatching(/dest_port is 0/) });
    expect(reader.read(JSON.stringify({ source_name: 'x-*', source_namespace: 'shop', dest_name: 'y-*', dest_namespace: 'shop', protocol: 'tcp', dest_port: 80, action: 'Maybe' }))).toEqual({ error: expect.stringMatching(/action is "Maybe"/) });
    expect(reader.read(JSON.stringify({ source_name: 'x-*', source_namespace: 'shop', dest_name: 'y-*', dest_namespace: 'shop', protocol: 'icmp', dest_port: 1, action: 'Allow' }))).toEqual({ skip: 'protocol ICMP' });
  });
});

describe('CSV reader', () => {
  const reader = new CsvReader();

  test('reads workloads by labels (quoted, ; or | separated), addresses and CIDRs, and skips the header', () => {
    expect(reader.read('src_ns,src_labels,dst_ns,dst_labels_or_cidr,protocol,port')).toEqual({ skip: 'header' });
    expect(flowOf(reader.read('shop,"app=api,pod-template-hash=1a2b3c4d5",shop,app=db;tier=data,tcp,5432'))).toEqual({
      src: { kind: 'workload', namespace: 'shop', labels: { app: 'api' }, name: 'api' },
      dst: { kind: 'workload', namespace: 'shop', labels: { app: 'db' }, name: 'db' },
      protocol: 'TCP', port: 5432, allowed: true,
    });
    expect(flowOf(reader.read('shop,app=api,,52.94.0.0/16,TCP,443')).dst).toEqual({ kind: 'address', ip: '52.94.0.0/16' });
    expect(flowOf(reader.read(',203.0.113.7,shop,app=web,TCP,443')).src).toEqual({ kind: 'address', ip: '203.0.113.7' });
    expect(flowOf(reader.read('shop,app=api,,kube-apiserver,TCP,443')).dst).toEqual({ kind: 'api-server' });
  });

  test('bad rows say what is wrong, with the fix for a CIDR with host bits', () => {
    expect(reader.read('shop,app=api,shop,app=db,tcp')).toEqual({ error: expect.stringMatching(/has 5 fields, not the 6/) });
    expect(reader.read('shop,app=api,shop,app=db,icmp,0')).toEqual({ error: expect.stringMatching(/protocol "icmp"/) });
    expect(reader.read('shop,app=api,shop,app=db,tcp,99999')).toEqual({ error: expect.stringMatching(/port "99999"/) });
    expect(reader.read('shop,app=api,,172.16.5.0/12,tcp,443')).toEqual({ error: expect.stringMatching(/did you mean 172\.16\.0\.0\/12/) });
    expect(reader.read('shop,api,shop,app=db,tcp,80')).toEqual({ error: expect.stringMatching(/"api" is not key=value/) });
    expect(reader.read('shop,"app=api,shop,app=db,tcp,80')).toEqual({ error: 'has an unterminated quoted field' });
  });
});

describe('streaming files', () => {
  let dir: string;
  beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ezt-flows-')); });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the format is detected from the first line', () => {
    expect(detectFormat(hubbleLine({ src: KUBE_DNS, dst: KUBE_DNS, protocol: 'UDP', port: 53 }, 0))).toBe(FlowFormat.HUBBLE);
    expect(detectFormat(whiskerExport(caasScenario(['a'])).split('\n')[0])).toBe(FlowFormat.GOLDMANE);
    expect(detectFormat('src_ns,src_labels,dst_ns,dst_labels_or_cidr,protocol,port')).toBe(FlowFormat.CSV);
    expect(detectFormat('{"anything": 1}', 'flows.csv')).toBe(FlowFormat.CSV);
  });

  test('lines across chunk boundaries, CRLF endings and multi-byte characters arrive whole', () => {
    const file = path.join(dir, 'big.txt');
    const lines = Array.from({ length: 60000 }, (_, i) => `${i}:${'é'.repeat(i % 97)}:${'x'.repeat(i % 61)}`);
    fs.writeFileSync(file, `${lines.join('\r\n')}`);
    const seen: string[] = [];
    forEachLine(file, (l) => seen.push(l.replace(/\r$/, '')));
    expect(fs.statSync(file).size).toBeGreaterThan(4 << 20);
    expect(seen).toEqual(lines);
  });

  test('malformed lines are counted with their line numbers and reading goes on', () => {
    const file = path.join(dir, 'caas.hubble.jsonl');
    fs.writeFileSync(file, hubbleExport(caasScenario(['acme'])));
    const flows: ObservedFlow[] = [];
    const report = readFlowFile(file, (f) => flows.push(f), { maxExamples: 5 });
    const total = fs.readFileSync(file, 'utf8').trim().split('\n').length;
    expect(report).toMatchObject({ format: FlowFormat.HUBBLE, lines: total, flows: 13, malformed: 1, skipped: { 'reply': 13, 'Type L7': 4, 'host or node traffic': 1 } });
    expect(report.examples).toEqual([{ line: total, message: expect.stringMatching(/^is not JSON/) }]);
    expect(flows).toHaveLength(13);
  });

  test('the aggregator keeps one entry per distinct connection, blocks of the chosen size, and the names seen', () => {
    const agg = new FlowAggregator({ prefixLength: 24 });
    const t = tenantWorkloads('acme');
    const reader = new HubbleReader();
    const lines = [
      ...Array.from({ length: 50 }, (_, i) => hubbleLine({ src: t.manager, dst: t.postgres, protocol: 'TCP', port: 5432 }, i)),
      hubbleLine({ src: t.manager, dst: { ip: '52.216.8.10', names: ['a.example.com'] }, protocol: 'TCP', port: 443 }, 60),
      hubbleLine({ src: t.manager, dst: { ip: '52.216.8.99', names: ['b.example.com'] }, protocol: 'TCP', port: 443 }, 61),
      hubbleLine({ src: t.web, dst: t.manager, protocol: 'TCP', port: 80, verdict: 'DROPPED' }, 62),
    ];
    for (const l of lines) agg.add(flowOf(reader.read(l)));
    expect(agg.allowedFlows).toBe(52);
    expect(agg.deniedFlows).toBe(1);
    const obs = agg.observations();
    expect(obs.map((o) => [o.dst.key, o.port, o.count])).toEqual([['@52.216.8.0/24', 443, 2], ['tenant-acme/app=postgres', 5432, 50]]);
    expect(obs[0].names).toEqual(['a.example.com', 'b.example.com']);
    expect(agg.deniedObservations()).toHaveLength(1);
  });

  test('property: counts per connection are those of the flows, whether readers share end objects or not', () => {
    const w = (namespace: string, app: string): ObservedFlow['src'] => ({ kind: 'workload', namespace, labels: app ? { app } : {}, name: app || 'unlabelled' });
    // Shared objects, as readers make them; one without labels (skipped) and an address.
    const ends: ObservedFlow['src'][] = [w('shop', 'web'), w('shop', 'db'), w('bank', 'web'), w('shop', ''), { kind: 'address', ip: '192.0.2.7' }];
    // Mostly the three labelled workloads and shared objects, so that one pair sees many flows.
    const endArb = fc.oneof({ arbitrary: fc.nat({ max: 2 }), weight: 8 }, { arbitrary: fc.constantFrom(3, 4), weight: 2 });
    const flowArb = fc.record({
      src: endArb, dst: endArb,
      protocol: fc.constantFrom('TCP' as const, 'UDP' as const), port: fc.constantFrom(53, 443), allowed: fc.boolean(), copy: fc.nat({ max: 4 }).map((n) => n === 0),
    });
    fc.assert(fc.property(fc.array(flowArb, { minLength: 10, maxLength: 80 }), (list) => {
      const agg = new FlowAggregator();
      const expected = { allowed: new Map<string, number>(), denied: new Map<string, number>() };
      let skipped = 0;
      for (const f of list) {
        // A copy is a new object per flow (as a caller building flows may pass): the same counts.
        const end = (i: number) => (f.copy ? { ...ends[i] } : ends[i]) as ObservedFlow['src'];
        agg.add({ src: end(f.src), dst: end(f.dst), protocol: f.protocol, port: f.port, allowed: f.allowed });
        const unlabelled = [f.src, f.dst].filter((i) => i === 3).length;
        if (unlabelled > 0) { skipped += unlabelled; continue; }
        const key = (i: number) => (i === 4 ? '@192.0.2.7/32' : `${(ends[i] as { namespace: string }).namespace}/app=${(ends[i] as { name: string }).name}`);
        const into = f.allowed ? expected.allowed : expected.denied;
        const k = `${key(f.src)}>${key(f.dst)}>${f.protocol}/${f.port}`;
        into.set(k, (into.get(k) ?? 0) + 1);
      }
      const counts = (obs: ReturnType<FlowAggregator['observations']>) => new Map(obs.map((o) => [`${o.src.key}>${o.dst.key}>${o.protocol}/${o.port}`, o.count]));
      expect(counts(agg.observations())).toEqual(expected.allowed);
      expect(counts(agg.deniedObservations())).toEqual(expected.denied);
      expect(agg.allowedFlows).toBe([...expected.allowed.values()].reduce((a, b) => a + b, 0));
      expect(agg.deniedFlows).toBe([...expected.denied.values()].reduce((a, b) => a + b, 0));
      expect(Object.values(agg.unidentified).reduce((a, b) => a + b, 0)).toBe(skipped);
    }), { numRuns: 200 });
  });

  test('observations come in the code-unit order of their src>dst>protocol/port keys, whatever order they were seen in', () => {
    const w = (namespace: string, app: string) => ({ kind: 'workload' as const, namespace, labels: { app }, name: app });
    const flows: ObservedFlow[] = [
      { src: w('shop', 'web2'), dst: w('shop', 'db'), protocol: 'TCP', port: 5432, allowed: true },
      { src: w('shop', 'web'), dst: w('shop', 'db'), protocol: 'UDP', port: 53, allowed: true },
      { src: w('shop', 'web'), dst: w('shop', 'db'), protocol: 'TCP', port: 53, allowed: true },
      { src: w('shop', 'web'), dst: w('shop', 'db'), protocol: 'TCP', port: 443, allowed: true },
      { src: w('shop', 'web'), dst: { kind: 'address', ip: '192.0.2.7' }, protocol: 'TCP', port: 443, allowed: true },
      { src: w('shop', 'web'), dst: { kind: 'api-server', ip: '10.0.0.1' }, protocol: 'TCP', port: 443, allowed: true },
      { src: w('bank', 'web'), dst: w('shop', 'db'), protocol: 'TCP', port: 5432, allowed: true },
    ];
    const keys = (list: readonly ObservedFlow[]) => {
      const agg = new FlowAggregator();
      list.forEach((f) => agg.add(f));
      return agg.observations().map((o) => `${o.src.key}>${o.dst.key}>${o.protocol}/${o.port}`);
    };
    const expected = keys(flows).slice().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(keys(flows)).toEqual(expected);
    expect(keys([...flows].reverse())).toEqual(expected);
    // The whole key decides: "web2>" sorts before "web>" ('2' < '>'), port 443 before 53 (as text).
    expect(expected).toEqual(['bank/app=web>shop/app=db>TCP/5432', 'shop/app=web2>shop/app=db>TCP/5432', 'shop/app=web>#api-server>TCP/443', 'shop/app=web>@192.0.2.7/32>TCP/443',
      'shop/app=web>shop/app=db>TCP/443', 'shop/app=web>shop/app=db>TCP/53', 'shop/app=web>shop/app=db>UDP/53']);
  });
});
