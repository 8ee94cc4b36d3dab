/**
 * Input written by anyone: alias bombs, huge lists, deep selectors, broken
 * file trees, names that try to forge output. Each case is bounded and
 * costs only itself.
 */
import { Analysis, loadFiles, loadText } from 'eks-zero-trust/analysis';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli, shown } from '../../bin/cli';
import { cli } from '../cli/run';
import { writeText } from '../../lib/analysis/format';
import { artifactUri, lint, toSarif } from '../../lib/analysis/lint/rules';
import { aliasProblem } from '../../lib/analysis/yaml-documents';
import { checkFields, fieldProblems } from '../../lib/analysis/schema/field-check';
import * as fc from 'fast-check';

const goodDoc = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web, namespace: a }\nspec: { template: { metadata: { labels: { app: web } }, spec: { containers: [{ name: c }] } } }\n';

/** A document whose anchors nest `depth` deep, each level listing the one below nine times. */
function aliasBomb(depth: number, under: 'podSelector' | 'top'): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i <= depth; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
  if (under === 'top') return `- ${lines.join('\n- ')}\n- *a${depth}\n`;
  return `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: bomb\n  namespace: a\n  annotations:\n${lines.map((l) => `    ${l.replace(':', ': ')}`.replace(': :', ':')).join('\n')}\nspec:\n  podSelector: { matchLabels: { app: web }, matchExpressions: *a${depth} }\n`;
}

function timed<T>(fn: () => T): { value: T; ms: number } {
  const t = process.hrtime.bigint();
  const value = fn();
  return { value, ms: Number(process.hrtime.bigint() - t) / 1e6 };
}

describe('1. YAML alias bombs', () => {
  test.each([['podSelector', 9], ['top', 9], ['podSelector', 12]] as const)('nested %s, depth %i: refused as excessive aliasing in well under a second, the rest read', (under, depth) => {
    const { value, ms } = timed(() => Analysis.of(loadText(`${goodDoc}---\n${aliasBomb(depth, under)}---\n${goodDoc.replace('web', 'db').replace('web', 'db')}`, 'bomb.yaml')));
    expect(ms).toBeLessThan(1000);
    expect(value.problems).toEqual([expect.objectContaining({ file: 'bomb.yaml', index: 1, message: expect.stringContaining('excessive aliasing') })]);
    expect(value.workloads.map((w) => w.id)).toEqual(['a/db', 'a/web']);
  });

  test('ordinary anchors and merge keys are fine', () => {
    expect(aliasProblem(loadText('a: &x { k: v }\nb: *x\nc: { <<: *x, j: w }\n', 'f').objects)).toBeUndefined();
    const shared = { k: 'v' };
    expect(aliasProblem({ a: shared, b: shared })).toBeUndefined();
  });

  test('an alias inside its own anchor (a cycle) is refused, not walked forever', () => {
    const cyclic: { [key: string]: unknown } = { a: 1 };
    cyclic.self = cyclic;
    expect(aliasProblem(cyclic)).toContain('cycle');
  });
});

describe('2. large inputs do not overflow the stack', () => {
  test('a List of 150,000 objects', () => {
    const items = Array.from({ length: 150_000 }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}` } }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ezt-list-'));
    fs.writeFileSync(path.join(dir, 'list.json'), JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    const loaded = loadFiles([dir]);
    expect(loaded.objects).toHaveLength(150_000);
  });

  test('lists nested more than 16 deep (arrays or kind: List) are that item\'s problem; the items beside them are read', () => {
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept' } };
    let arrays: unknown = object;
    let lists: unknown = object;
    for (let i = 0; i < 20; i++) {
      arrays = [arrays];
      lists = { apiVersion: 'v1', kind: 'List', items: [lists] };
    }
    for (const nested of [arrays, lists]) {
      const loaded = loadText(JSON.stringify([object, nested]), 'deep.json');
      expect(loaded.objects.map((o) => o.object.metadata.name)).toEqual(['kept']); // the one beside it
      expect(loaded.problems).toEqual([expect.objectContaining({ message: 'nests lists more than 16 deep' })]);
    }
    let shallow: unknown = object;
    for (let i = 0; i < 15; i++) shallow = [shallow];
    expect(loadText(JSON.stringify(shallow), 'ok.json').objects).toHaveLength(1);
  });

  test('a Calico selector of 15,000 && clauses is evaluated; one nested 5,000 deep is that document\'s problem', () => {
    const clauses = Array.from({ length: 15_000 }, (_, i) => `!has(k${i})`).join(' && ');
    const ns = 'apiVersion: v1\nkind: Namespace\nmetadata: { name: a }\n';
    const gnp = (selector: string) => `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: { name: big }\nspec:\n  selector: ${JSON.stringify(selector)}\n  ingress: [{ action: Deny }]\n`;
    const a = Analysis.of(loadText([ns, goodDoc, gnp(`app == 'web' && ${clauses}`)].join('---\n'), 'f'));
    expect(a.problems).toEqual([]);
    expect(a.connections().some((c) => c.dst === 'a/web')).toBe(false);
    const deep = Analysis.of(loadText([ns, goodDoc, gnp(`${'('.repeat(5000)}all()${')'.repeat(5000)}`)].join('---\n'), 'f'));
    expect(deep.problems).toEqual([expect.objectContaining({ field: 'spec.selector', message: expect.stringContaining('nests deeper than') })]);
  });
});

describe('3. output is written as it is found', () => {
  test('1,000 workloads without policies: a million connections in JSON and text, the heap bounded by the model', () => {
    const docs = ['apiVersion: v1\nkind: Namespace\nmetadata: { name: a }\n'];
    for (let i = 0; i < 1000; i++) docs.push(`apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: w${i}, namespace: a }\nspec: { template: { metadata: { labels: { app: w${i} } }, spec: { containers: [{ name: c }] } } }\n`);
    const a = Analysis.of(loadText(docs.join('---\n'), 'many.yaml'));
    const measure = (run: (write: (chunk: string) => void) => void) => {
      const base = process.memoryUsage().heapUsed;
      let peak = 0;
      let bytes = 0;
      let chunks = 0;
      run((chunk) => { bytes += chunk.length; chunks++; if (chunks % 16 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - base); });
      return { bytes, chunks, peakMb: peak / 2 ** 20 };
    };
    const json = measure((write) => a.writeJson(write));
    expect(json.bytes).toBeGreaterThan(40 * 2 ** 20);
    expect(json.chunks).toBeGreaterThan(500);
    // The whole output held at once (connection objects, their JSON, the joined text) is about four times its size.
    expect(json.peakMb).toBeLessThan(json.bytes / 2 ** 20);
    const text = measure((write) => writeText(a, write));
    expect(text.bytes).toBeGreaterThan(20 * 2 ** 20);
    expect(text.peakMb).toBeLessThan(text.bytes / 2 ** 20);
  });
});

describe('4. file system errors are problems for their path', () => {
  let root: string;
  let outside: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ezt-tree-'));
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'ezt-outside-'));
    fs.writeFileSync(path.join(root, 'good.yaml'), goodDoc);
    fs.writeFileSync(path.join(outside, 'other.yaml'), goodDoc.replace('web', 'other'));
    fs.symlinkSync('loop-b', path.join(root, 'loop-a.yaml'));
    fs.symlinkSync('loop-a.yaml', path.join(root, 'loop-b'));
    fs.symlinkSync(path.join(root, 'missing.yaml'), path.join(root, 'dangling.yaml'));
    fs.symlinkSync(outside, path.join(root, 'elsewhere'));
    fs.symlinkSync(root, path.join(root, 'self'));
  });

  test('loops, dangling links and links out of the tree are reported; the rest is read', () => {
    const loaded = loadFiles([root]);
    expect(loaded.objects.map((o) => o.object.metadata.name)).toEqual(['web']);
    const messages = loaded.problems.map((p) => `${path.basename(p.file)}: ${p.message.replace(outside, 'OUTSIDE').replace(root, 'ROOT')}`).sort();
    expect(messages).toEqual([
      'dangling.yaml: is a dangling symbolic link',
      'elsewhere: is a link out of ROOT (to OUTSIDE); not followed (--follow-links to follow)',
      'loop-a.yaml: is a symbolic link loop',
      'loop-b: is a symbolic link loop',
    ]);
    expect(loadFiles([root], { followLinks: true }).objects.map((o) => o.object.metadata.name).sort()).toEqual(['other', 'web']);
  });

  test('an unreadable file is a problem (where permissions apply)', () => {
    const file = path.join(root, 'secret.yaml');
    fs.writeFileSync(file, goodDoc);
    fs.chmodSync(file, 0o000);
    let readable = true;
    try { fs.readFileSync(file); } catch { readable = false; }
    const loaded = loadFiles([root]);
    if (!readable) expect(loaded.problems.some((p) => p.file === file && p.message.startsWith('cannot be read (EACCES)'))).toBe(true);
    fs.chmodSync(file, 0o644);
    fs.rmSync(file);
  });
});

describe('6. exit codes: 0 ok, 1 findings or changes, 2 usage or input errors', () => {
  const cli = async (...args: string[]) => {
    const out: string[] = [];
    const code = await runCli(['node', 'eks-zero-trust', ...args], { stdout: (t) => out.push(t), stderr: (t) => out.push(t) });
    return { code, text: out.join('') };
  };
  test.each([
    [['analyze', '--bogus', '.']],
    [['analyze', '--format', 'yaml', '.']],
    [['diff', 'a']],
    [['explain', 'x', 'y', '80/TCP', '/does/not/exist']],
    [['nonsense']],
  ])('%j exits 2', async (args) => {
    expect((await cli(...args)).code).toBe(2);
  });
  test('--help lists the exit codes', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    expect(r.text).toContain('2  usage or input errors');
  });
});

describe('7. CI gates that cannot pass by accident', () => {
  const np = (ports: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: db-in, namespace: a }\nspec:\n  podSelector: { matchLabels: { app: db } }\n  ingress: [{ from: [{ podSelector: { matchLabels: { app: web } } }], ports: [${ports}] }]\n`;
  test('diff of policy-only directories compares the policies and exits 1 on a change', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ezt-gate-'));
    fs.mkdirSync(path.join(dir, 'old'));
    fs.mkdirSync(path.join(dir, 'new'));
    fs.writeFileSync(path.join(dir, 'old', 'p.yaml'), np('{ port: 5432 }'));
    fs.writeFileSync(path.join(dir, 'new', 'p.yaml'), np('{ port: 5432 }, { port: 22 }'));
    const r = await cli('diff', path.join(dir, 'old'), path.join(dir, 'new'), '--exit-code');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('no workloads in');
    expect(r.stdout).toContain('~ NetworkPolicy a/db-in');
    expect(r.stdout).toContain('+ spec.ingress rule {"from"');
    expect(r.stdout).toContain('- spec.ingress rule');
    expect((await cli('diff', path.join(dir, 'old'), path.join(dir, 'old'), '--exit-code')).code).toBe(0);
    const json = JSON.parse((await cli('diff', path.join(dir, 'old'), path.join(dir, 'new'), '--format', 'json')).stdout);
    expect(json.policies).toEqual([expect.objectContaining({ change: 'changed', policy: 'NetworkPolicy a/db-in' })]);
  });

  test('analyze on a broken file exits 0 without --strict but says how many problems on stderr', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ezt-broken-'));
    fs.writeFileSync(path.join(dir, 'p.yaml'), np('{ port: 99999 }'));
    const r = await cli('analyze', dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('1 problem(s) in the input: the results leave those parts out (--strict to fail on them)');
  });
});

describe('8. escaping', () => {
  test('SARIF artifact URIs are valid URI references', () => {
    expect(artifactUri('policies/my file%#1.yaml')).toBe('policies/my%20file%25%231.yaml');
    expect(artifactUri('/tmp/a b/p.yaml')).toBe('file:///tmp/a%20b/p.yaml');
    const a = Analysis.of(loadText('apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: x }\nspec: { podSelector: 7 }\n', 'dir with space/p#1.yaml'));
    const sarif = toSarif(lint(a), '0.1.0') as { runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    const uri = sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri;
    expect(uri).toBe('dir%20with%20space/p%231.yaml');
    expect(() => new URL(uri, 'file:///repo/')).not.toThrow();
  });

  test('a file name with a line break cannot forge a warning line', async () => {
    expect(shown('evil\nwarning: all clear')).toBe('evil\\nwarning: all clear');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ezt-names-'));
    fs.writeFileSync(path.join(dir, 'x\nwarning: fake.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: { name: 5 }\n');
    let stderr = '';
    await runCli(['node', 'eks-zero-trust', 'analyze', dir], { stdout: () => undefined, stderr: (t) => { stderr += t; } });
    expect(stderr.split('\n').filter((l) => l.startsWith('warning: fake'))).toEqual([]);
    expect(stderr).toContain('x\\nwarning: fake.yaml');
  });
});

describe('5. misspelled and mistyped fields are problems with their path', () => {
  const np = (spec: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: p, namespace: a }\nspec:\n${spec}`;

  test.each([
    [np('  podSelector: { matchlabels: { app: web } }\n'), 'spec.podSelector.matchlabels', 'is not a field here (did you mean matchLabels?)'],
    [np('  podSelector: {}\n  ingres: [{}]\n'), 'spec.ingres', 'is not a field here (did you mean ingress?)'],
    [np('  podSelector: {}\n  ingress: [{ ports: [{ protocol: tcp, port: 80 }] }]\n'), 'spec.ingress[0].ports[0].protocol', '"tcp" is not TCP, UDP or SCTP'],
    [np('  podSelector: {}\n  ingress: [{ ports: [{ port: "80" }] }]\n'), 'spec.ingress[0].ports[0].port', '"80" is not a port name'],
    [np('  podSelector: {}\n  ingress: [{ ports: [{ port: Web_Port }] }]\n'), 'spec.ingress[0].ports[0].port', '"Web_Port" is not a port name'],
    [np('  podSelector: {}\n  ingress: [{ ports: [{ port: [80] }] }]\n'), 'spec.ingress[0].ports[0].port', 'is a list, not an integer or a string'],
    ['apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: { name: a }\nspec:\n  priority: 1\n  subject: { namespaces: { namespaceSelector: { matchLabels: { x: y } } } }\n  ingress: [{ action: Deny, from: [{ namespaces: {} }] }]\n', 'spec.subject.namespaces.namespaceSelector', 'is not a field here'],
    ['apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: c, namespace: a }\nspec:\n  endpointSelector: {}\n  ingress: [{ toPorts: [{ ports: [{ port: "80", protocol: tcp }] }] }]\n', 'spec.ingress[0].toPorts[0].ports[0].protocol', 'is "tcp", not one of TCP, UDP, SCTP, VRRP, IGMP, ANY'],
  ])('%s', (doc, field, message) => {
    expect(Analysis.of(loadText(doc, 'f.yaml')).problems).toContainEqual(expect.objectContaining({ field, message: expect.stringContaining(message) }));
  });

  test('property: the first pass for clean objects finds a problem wherever the full walk does', () => {
    // Keys that are fields somewhere in these kinds, misspellings, and values of every type.
    const key = fc.constantFrom('podSelector', 'matchLabels', 'matchlabels', 'matchExpressions', 'key', 'operator', 'values', 'ingress', 'ingres', 'egress',
      'from', 'to', 'ports', 'port', 'endPort', 'protocol', 'ipBlock', 'cidr', 'except', 'policyTypes', 'endpointSelector', 'toPorts', 'rules', 'http', 'app');
    const scalar = fc.oneof(fc.constantFrom('TCP', 'tcp', 'Ingress', 'web', '80', 'In'), fc.integer({ min: -1, max: 70000 }), fc.boolean(), fc.constant(null));
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, scalar, tie('list'), tie('object')),
      list: fc.array(tie('value'), { maxLength: 3 }),
      object: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
    }));
    const kinds = [['networking.k8s.io/v1', 'NetworkPolicy'], ['cilium.io/v2', 'CiliumNetworkPolicy']];
    fc.assert(fc.property(fc.constantFrom(...kinds), fc.dictionary(key, value, { maxKeys: 3 }), ([apiVersion, kind], spec) => {
      const o = { apiVersion, kind, metadata: { name: 'p', namespace: 'a' }, spec };
      expect(checkFields(o)).toEqual(fieldProblems(o));
    }), { numRuns: 400 });
  });

  test('label keys named like Object members behave like any other key', () => {
    const docs = ['apiVersion: v1\nkind: Namespace\nmetadata: { name: a }\n', goodDoc,
      np('  podSelector: { matchExpressions: [{ key: constructor, operator: Exists }, { key: __proto__, operator: DoesNotExist }] }\n  ingress: []\n')];
    const a = Analysis.of(loadText(docs.join('---\n'), 'f.yaml'));
    // No pod has a label "constructor": the policy selects nothing and a/web stays open.
    expect(a.policiesFor(a.workload('a/web')!, 'ingress')).toEqual([]);
    const calico = Analysis.of(loadText([...docs.slice(0, 2), "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: { name: g }\nspec:\n  selector: has(toString) || valueOf == 'x'\n  ingress: [{ action: Deny }]\n"].join('---\n'), 'f.yaml'));
    expect(calico.policiesFor(calico.workload('a/web')!, 'ingress')).toEqual([]);
  });
});
