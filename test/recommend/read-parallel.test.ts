import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FlowAggregator } from '../../lib/recommend/aggregate';
import { FlowFormat, readFlowFile, readFlowLines } from '../../lib/recommend/read-flows';
import { aggregateFlowFiles, fileFormat, mergeReports, readRange, splitFile } from '../../lib/recommend/read-parallel';
import { caasScenario, hubbleLine, whiskerExport } from './flows';

// Large flow files are read in ranges on several threads and the counts
// merged in file order (read-parallel.ts). The threads themselves run from
// the compiled package (.ci/run compares --threads 2 with --threads 1 byte
// for byte); here each range is read in turn and merged the same way.

let dir: string;
beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ezt-parallel-')); });
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A Hubble export with replies, L7 records, a malformed line and an empty one spread through it. */
function hubbleFile(name: string, rounds: number): string {
  const scenario = caasScenario(['acme', 'globex', 'initech']);
  const lines: string[] = [];
  for (let r = 0; r < rounds; r++) {
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

/** What reading the file in `parts` ranges and merging them in order gives. */
function inParts(file: string, parts: number) {
  const ranges = splitFile(file, parts);
  const results = ranges.map((range) => readRange({ file, range, options: { format: FlowFormat.HUBBLE }, aggregate: {} }));
  const aggregator = new FlowAggregator();
  for (const r of results) aggregator.merge(r.state);
  return { ranges, report: mergeReports(results, 20), observations: aggregator.observations(), unidentified: aggregator.unidentified, allowed: aggregator.allowedFlows, dropped: aggregator.deniedFlows };
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

  test.each([2, 3, 5])('merging %i ranges in order equals reading the file on one thread', (parts) => {
    const file = hubbleFile(`merge-${parts}.jsonl`, 30);
    const one = sequential(file);
    const many = inParts(file, parts);
    expect(many.ranges.length).toBe(parts);
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
