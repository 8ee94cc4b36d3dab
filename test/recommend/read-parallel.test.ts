import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FlowAggregator, transferables } from '../../lib/recommend/aggregate';
import { FlowFormat, readFlowFile, readFlowLines } from '../../lib/recommend/read-flows';
import { aggregateFlowFiles, fileFormat, mergeReports, PartReader, PartResult, PartsJob, readParts, splitFile } from '../../lib/recommend/read-parallel';
import { caasScenario, hubbleLine, SampleFlow, whiskerExport } from './flows';

// Large flow files are cut into parts that several threads take in turn,
// each its parts in file order, and the counts are merged (read-parallel.ts).
// The threads themselves run from the compiled package (.ci/run compares
// --threads 2 with --threads 1 byte for byte); here aggregators standing for
// threads take the parts in a given interleaving and are merged the same way.

let dir: string;
beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ezt-parallel-')); });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** `web`'s pods under another name each round: one workload (its labels), a name per pod owner. */
function renameWeb(flows: readonly SampleFlow[], round: number): SampleFlow[] {
  const rename = (e: SampleFlow['src']) => ('namespace' in e && e.name === 'web' ? { ...e, name: `web-v${round}` } : e);
  return flows.map((f) => ({ ...f, src: rename(f.src), dst: rename(f.dst) }));
}

/**
 * A Hubble export with replies, L7 records, a malformed line and an empty
 * one spread through it; `web` has another owner name each round.
 */
function hubbleFile(name: string, rounds: number): string {
  const lines: string[] = [];
  for (let r = 0; r < rounds; r++) {
    const scenario = renameWeb(caasScenario(['acme', 'globex', 'initech']), r);
    scenario.forEach((f, i) => lines.push(hubbleLine(f, r * 1000 + i)));
    lines.push(hubbleLine(scenario[r % scenario.length], r, { isReply: true }));
    lines.push(hubbleLine(scenario[(r + 3) % scenario.length], r, { type: 'L7' }));
    if (r % 7 === 3) lines.push('{"flow":{"verdict":"FORWARDED"'); // cut short
    if (r % 5 === 1) lines.push('');
  }
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** What one thread reading the whole file gives. */
function sequential(file: string) {
  const aggregator = new FlowAggregator();
  const report = readFlowFile(file, (f) => aggregator.add(f));
  return { report, state: aggregator.state(), observations: aggregator.observations(), unidentified: aggregator.unidentified };
}

function job(file: string, parts: number): PartsJob {
  return { file, ranges: splitFile(file, parts), firstPart: 0, next: new SharedArrayBuffer(4), options: { format: FlowFormat.HUBBLE }, aggregate: {} };
}

/**
 * What threads reading the file's `parts` parts give, merged into the first
 * (as aggregateFlowFiles does): part i is read by thread `owners[i]`.
 */
function inParts(file: string, parts: number, owners: readonly number[] = Array.from({ length: parts }, (_, i) => i)) {
  const j = job(file, parts);
  const threads = Array.from({ length: Math.max(...owners) + 1 }, () => new FlowAggregator());
  const readers = threads.map((a) => new PartReader(j, a));
  const results: PartResult[] = owners.map((t, index) => readers[t].read(index));
  const [aggregator, ...others] = threads;
  for (const other of others) aggregator.merge(other.state());
  return { ranges: j.ranges, report: mergeReports(results, 20), observations: aggregator.observations(), unidentified: aggregator.unidentified, allowed: aggregator.allowedFlows, dropped: aggregator.deniedFlows };
}

describe('splitFile', () => {
  test('cuts at line starts, into ranges that cover the file once', () => {
    const file = hubbleFile('split.jsonl', 40);
    const text = fs.readFileSync(file);
    const ranges = splitFile(file, 4);
    expect(ranges).toHaveLength(4);
    expect(ranges[0].start).toBe(0);
    expect(ranges[ranges.length - 1].end).toBe(text.length);
    for (let i = 1; i < ranges.length; i++) {
      expect(ranges[i].start).toBe(ranges[i - 1].end);
      expect(text[ranges[i].start - 1]).toBe(10); // just after a newline
    }
  });

  test('gives fewer ranges when lines are longer than the parts', () => {
    const file = path.join(dir, 'long-lines.jsonl');
    fs.writeFileSync(file, `${'x'.repeat(1000)}\n${'y'.repeat(1000)}\n`);
    expect(splitFile(file, 8)).toEqual([{ start: 0, end: 1001 }, { start: 1001, end: 2002 }]);
    expect(splitFile(file, 1)).toEqual([]);
  });
});

describe('reading in ranges', () => {
  test('one range of a file reads only its lines, numbered from its start', () => {
    const file = hubbleFile('range.jsonl', 10);
    const [, second] = splitFile(file, 2);
    const { report, lineCount } = readFlowLines(file, () => undefined, { format: FlowFormat.HUBBLE }, second);
    const lines = fs.readFileSync(file, 'utf8').slice(second.start).split('\n');
    expect(lineCount).toBe(lines.length - 1); // the text ends with a newline
    expect(report.lines).toBe(lines.filter((l) => l !== '').length);
  });

  test.each([
    [[0, 1]],
    [[0, 1, 2]],
    [[0, 0, 1, 1, 0]], // the first thread takes parts again after the other's
    [[1, 0, 0, 1, 0, 1]], // the thread merged into does not read the first part
    [[2, 2, 0, 1, 0, 1, 2]],
  ])('threads reading the parts as %j, merged, equal one thread reading the file', (owners) => {
    const parts = owners.length;
    const file = hubbleFile(`merge-${owners.join('')}.jsonl`, 30);
    const one = sequential(file);
    const many = inParts(file, parts, owners);
    expect(many.ranges.length).toBe(parts);
    // web's owner is renamed each round: its name is that of its first flow in the file.
    expect(one.observations.find((o) => o.src.kind === 'workload' && o.src.name.startsWith('web'))?.src).toMatchObject({ name: 'web-v0' });
    expect(many.report).toEqual(one.report);
    expect(many.observations).toEqual(one.observations);
    expect(many.unidentified).toEqual(one.unidentified);
    expect(many.allowed).toBe(one.state.allowed);
    expect(many.dropped).toBe(one.state.dropped);
    // The file has something of each kind to merge.
    expect(one.report.malformed).toBeGreaterThan(1);
    expect(one.report.skipped.reply).toBeGreaterThan(1);
    expect(one.state.dropped).toBeGreaterThan(0);
    expect(one.observations.some((o) => o.names.length > 0)).toBe(true);
    // Malformed lines keep their line numbers in the file.
    const text = fs.readFileSync(file, 'utf8').split('\n');
    for (const e of many.report.examples) expect(text[e.line - 1]).toBe('{"flow":{"verdict":"FORWARDED"');
  });

  test('a workload keeps the name of its first flow in the file', () => {
    const first = new FlowAggregator();
    const second = new FlowAggregator();
    const end = (name: string) => ({ kind: 'workload' as const, namespace: 'shop', labels: { app: 'web' }, name });
    const dst = { kind: 'address' as const, ip: '192.0.2.1' };
    first.add({ src: end('web-a'), dst, protocol: 'TCP', port: 443, allowed: true });
    second.add({ src: end('web-b'), dst, protocol: 'TCP', port: 443, allowed: true });
    second.add({ src: end('web-b'), dst, protocol: 'TCP', port: 80, allowed: false });
    const merged = new FlowAggregator();
    merged.merge(first.state());
    merged.merge(second.state());
    const [o] = merged.observations();
    expect(o.src).toMatchObject({ name: 'web-a' });
    expect(o.count).toBe(2);
    expect(merged.deniedObservations()[0].src).toBe(o.src); // one end object per workload
    expect(merged.allowedFlows).toBe(2);
    expect(merged.deniedFlows).toBe(1);
  });

  test('with several files, the parts of earlier files count first', () => {
    const first = hubbleFile('first.jsonl', 8);
    const second = path.join(dir, 'second.jsonl');
    fs.writeFileSync(second, fs.readFileSync(first, 'utf8').replace(/web-v/g, 'web-w')); // web's owners renamed
    const one = new FlowAggregator();
    readFlowFile(first, (f) => one.add(f));
    readFlowFile(second, (f) => one.add(f));
    // One thread reads the second file's parts, another the first's; the second merges into the first.
    const a = new FlowAggregator();
    const b = new FlowAggregator();
    const jobs = [{ ...job(first, 2), firstPart: 0 }, { ...job(second, 2), firstPart: 2 }];
    const ra = new PartReader(jobs[1], a);
    const rb = new PartReader(jobs[0], b);
    ra.read(0); rb.read(0); ra.read(1); rb.read(1);
    a.merge(b.state());
    expect(a.observations()).toEqual(one.observations());
    expect(a.observations().find((o) => o.src.kind === 'workload' && o.src.name.startsWith('web'))?.src).toMatchObject({ name: 'web-v0' });
  });

  test('a workload is named after its flow in the lowest part, whichever aggregator read it and whatever the merge order', () => {
    const end = (name: string) => ({ kind: 'workload' as const, namespace: 'shop', labels: { app: 'web' }, name });
    const dst = { kind: 'address' as const, ip: '192.0.2.1' };
    const thread = (part: number, name: string) => {
      const a = new FlowAggregator();
      a.startPart(part);
      a.add({ src: end(name), dst, protocol: 'TCP', port: 443, allowed: true });
      return a;
    };
    for (const order of [[0, 1, 2], [2, 1, 0], [1, 2, 0]]) {
      const threads = [thread(4, 'web-late'), thread(1, 'web-first'), thread(3, 'web-middle')];
      const [into, ...rest] = order.map((i) => threads[i]);
      for (const t of rest) into.merge(t.state());
      expect(into.observations()[0]).toMatchObject({ src: { name: 'web-first' }, count: 3 });
    }
    // Merged states' ends are copied, not renamed in place.
    const lateState = thread(4, 'web-late').state();
    const into = new FlowAggregator();
    into.merge(lateState);
    into.merge(thread(1, 'web-first').state());
    expect(into.observations()[0].src).toMatchObject({ name: 'web-first' });
    expect(lateState.ends[lateState.observed.rows[0]]).toMatchObject({ name: 'web-late' });
  });

  test('a state survives the move to another thread (structured clone, rows transferred)', () => {
    const a = new FlowAggregator({ prefixLength: 24 });
    const web = { kind: 'workload' as const, namespace: 'shop', labels: { app: 'web' }, name: 'web' };
    a.add({ src: web, dst: { kind: 'api-server', ip: '172.20.0.1' }, protocol: 'TCP', port: 443, allowed: true });
    a.add({ src: web, dst: { kind: 'api-server', ip: '172.20.0.2' }, protocol: 'TCP', port: 443, allowed: true });
    a.add({ src: web, dst: { kind: 'address', ip: '52.94.1.7', names: ['api.example.com'] }, protocol: 'TCP', port: 443, allowed: true });
    a.add({ src: web, dst: { kind: 'address', ip: '52.94.1.9', names: ['s3.example.com'] }, protocol: 'TCP', port: 443, allowed: true });
    a.add({ src: { kind: 'address', ip: '198.51.100.4' }, dst: web, protocol: 'SCTP', port: 9000, allowed: false });
    const state = a.state();
    const moved = structuredClone(state, { transfer: transferables(state) });
    expect(state.observed.rows.length).toBe(0); // moved, not copied
    const b = new FlowAggregator();
    b.merge(moved);
    expect(b.observations()).toEqual(a.observations());
    expect(b.deniedObservations()).toEqual(a.deniedObservations());
    expect(b.observations().map((o) => [o.dst.key, o.names, o.addresses])).toEqual([
      ['#api-server', [], ['172.20.0.1', '172.20.0.2']],
      ['@52.94.1.0/24', ['api.example.com', 's3.example.com'], []],
    ]);
    expect(b.deniedObservations()[0]).toMatchObject({ protocol: 'SCTP', port: 9000, count: 1 });
  });

  test('counts add up exactly past 2^30 and 2^32 flows', () => {
    const web = { kind: 'workload' as const, namespace: 'shop', labels: { app: 'web' }, name: 'web' };
    const a = new FlowAggregator();
    a.add({ src: web, dst: { kind: 'address', ip: '192.0.2.1' }, protocol: 'TCP', port: 443, allowed: true });
    const state = a.state();
    state.observed.counts[0] = 2 ** 32 + 5;
    const into = new FlowAggregator();
    into.merge(a.state());
    into.merge(state);
    into.merge(state);
    expect(into.observations()[0].count).toBe(1 + 2 * (2 ** 32 + 5));
  });

  test('an aggregator takes its parts in file order', () => {
    const a = new FlowAggregator();
    a.startPart(2);
    a.startPart(2);
    expect(() => a.startPart(1)).toThrow(/part 1 after part 2: an aggregator reads its parts in file order/);
  });

  test('threads sharing the counter read every part once', () => {
    const file = hubbleFile('counter.jsonl', 12);
    const j = job(file, 4);
    const worker = readParts(j, new FlowAggregator(), 2); // a worker thread leaves the last two to the calling thread
    const caller = readParts(j, new FlowAggregator());
    const late = readParts(j, new FlowAggregator());
    expect(worker.map((p) => p.index)).toEqual([0, 1]);
    expect(caller.map((p) => p.index)).toEqual([2, 3]);
    expect(late).toEqual([]);
  });

  test('aggregateFlowFiles reads on the calling thread when threads is 1, small files and standard input', async () => {
    const file = hubbleFile('small.jsonl', 5);
    const whisker = path.join(dir, 'flows.whisker.jsonl');
    fs.writeFileSync(whisker, whiskerExport(caasScenario(['acme'])));
    const { aggregator, reports } = await aggregateFlowFiles([file, whisker], { threads: 1 });
    const both = new FlowAggregator();
    expect(reports).toEqual([readFlowFile(file, (f) => both.add(f)), readFlowFile(whisker, (f) => both.add(f))]);
    expect(reports[1].format).toBe(FlowFormat.GOLDMANE);
    expect(aggregator.observations()).toEqual(both.observations());
    expect(aggregator.state()).toEqual(both.state());
  });

  test('the parts are read in the format one thread detects (first non-empty line, as the reader splits lines)', () => {
    const hubble = hubbleLine(caasScenario(['acme'])[0], 1);
    const cases = {
      'blank-first.jsonl': `\n\n${hubble}\n`,
      'spaces-first.jsonl': `   \n${hubble}\n`, // not an empty line to the reader: read as CSV, by one thread or several
      'crlf.jsonl': `\r\n${hubble}\r\n`,
      'goldmane.jsonl': whiskerExport(caasScenario(['acme'])),
    };
    for (const [name, text] of Object.entries(cases)) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      expect([name, fileFormat(file)]).toEqual([name, readFlowFile(file, () => undefined).format]);
    }
    expect(fileFormat(path.join(dir, 'spaces-first.jsonl'))).toBe(FlowFormat.CSV);
    expect(fileFormat(path.join(dir, 'crlf.jsonl'))).toBe(FlowFormat.HUBBLE);
  });

  test('threads must be a whole number of 1 or more', async () => {
    const file = hubbleFile('threads.jsonl', 1);
    await expect(aggregateFlowFiles([file], { threads: 0 })).rejects.toThrow(/threads is 0: give a whole number of 1 or more/);
    await expect(aggregateFlowFiles([file], { threads: 1.5 })).rejects.toThrow(/threads is 1.5/);
  });
});
