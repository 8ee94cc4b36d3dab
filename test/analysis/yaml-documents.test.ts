import * as fc from 'fast-check';
import * as yaml from 'js-yaml';
import { loadText } from '../../lib/analysis/load';
import { parseDocument, parseDocuments, splitDocuments } from '../../lib/analysis/yaml-documents';

/** The values of the parts of a text, parsed one by one (throws on the first malformed part). */
const valuesOf = (text: string) => splitDocuments(text).flatMap((d) => {
  const p = parseDocument(d);
  if ('error' in p) throw new Error(p.error.reason);
  return p.values;
});

/** The values of the whole text, or `error` (js-yaml's dump can write flow YAML its loader rejects). */
const wholeOrError = (text: string) => { try { return yaml.loadAll(text); } catch { return 'error'; } };
const partsOrError = (text: string) => { try { return valuesOf(text); } catch { return 'error'; } };

describe('splitDocuments', () => {
  test.each([
    ['', []],
    ['a: 1\n', [{ a: 1 }]],
    ['---\n', [null]],
    ['---\n---\n', [null, null]],
    ['# only a comment\n---\na: 1\n', [{ a: 1 }]],
    ['a: 1\n...\n---\nb: 2\n', [{ a: 1 }, { b: 2 }]],
    ['a: 1\n...\nb: 2\n', [{ a: 1 }, { b: 2 }]],
    ['--- {a: 1}\n--- [1]\n', [{ a: 1 }, [1]]],
    ['--- |\n  text\n---\nb: ---\n', ['text\n', { b: '---' }]],
    ['a: |\n  ---\n  not a marker\n', [{ a: '---\nnot a marker\n' }]],
    ['a: 1\n---x: 1\n', [{ 'a': 1, '---x': 1 }]],
    ['# a comment and a blank line\n\n---\na: 1\n---\n# empty\n', [{ a: 1 }, null]],
    ['%YAML 1.2\n---\na: 1\n', [{ a: 1 }]],
    // U+2028 and U+2029 do not break lines in YAML 1.2: a `---` after one is text.
    ['a: "x\u2028--- y"\n', [{ a: 'x\u2028--- y' }]],
    ['a: "x\u2029---\ty"\n', [{ a: 'x\u2029---\ty' }]],
    ['a: 1\r---\rb: 2\r', [{ a: 1 }, { b: 2 }]],
  ])('%j parses to the same values as the whole text', (text, values) => {
    expect(yaml.loadAll(text)).toEqual(values);
    expect(valuesOf(text)).toEqual(values);
  });

  test('each part knows its first line', () => {
    expect(splitDocuments('a: 1\n---\nb: 2\nc: 3\n---\r\nd: 4').map((d) => d.line)).toEqual([0, 1, 4]);
    expect(splitDocuments('# header\n---\na: 1\n---\nb: 2\n').map((d) => d.line)).toEqual([0, 3]);
  });

  test('any multi-document dump splits into parts that parse to the same values', () => {
    const scalar = fc.oneof(fc.string(), fc.constantFrom('---', '--- x', '\n---\n', '...', 'a\n---\nb'), fc.integer(), fc.boolean(), fc.constant(null));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), tie('node'), { maxKeys: 3 })),
    })).node;
    fc.assert(fc.property(fc.array(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), value, { maxKeys: 4 }), { maxLength: 5 }), fc.boolean(), (docs, flow) => {
      const text = docs.map((d) => `---${flow ? ' ' : '\n'}${yaml.dump(d, { flowLevel: flow ? 0 : -1 })}`).join('');
      expect(partsOrError(text)).toEqual(wholeOrError(text));
    }), { numRuns: 200 });
  });
});

describe('parseDocuments', () => {
  test('a valid text is parsed in one pass', () => {
    expect(parseDocuments('a: 1\n---\nb: 2\n')).toEqual([{ values: [{ a: 1 }, { b: 2 }] }]);
  });

  test('a malformed document costs only itself, and its line counts from the file start', () => {
    const parsed = parseDocuments('a: 1\n---\nb: 2\nb: 3\n---\nc: [\n');
    expect(parsed).toEqual([
      { values: [{ a: 1 }] },
      { error: { line: 3, column: 0, reason: 'duplicated mapping key' } },
      { error: expect.objectContaining({ reason: expect.stringContaining('unexpected end of the stream') }) },
    ]);
  });
});

describe('loadText with malformed documents', () => {
  const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${name} }\n`;

  test('the documents around a malformed one are read, each keeping its index', () => {
    const result = loadText([ns('a'), 'apiVersion: v1\nkind: Namespace\nkind: Namespace\n', ns('c')].join('---\n'), 'in.yaml');
    expect(result.objects.map((o) => [o.object.metadata.name, o.index])).toEqual([['a', 0], ['c', 2]]);
    expect(result.problems).toEqual([{ file: 'in.yaml', index: 1, field: '', message: expect.stringMatching(/^is not valid YAML at line 7, column 1: duplicated mapping key/) }]);
  });
});

describe('loadText on any text', () => {
  test('reports problems and never throws', () => {
    const yamlish = fc.array(fc.oneof(fc.constantFrom('---\n', '...\n', 'kind: List\n', 'items:\n', '  - ', 'apiVersion: v1\n', 'kind: Pod\n', 'metadata: ', '{', '}', '[', ']', ': ', '- ', '  ', '\n', '"', "'", '&a ', '*a ', '<<: ', '!!str ', '%YAML 1.2\n', '# c\n'), fc.string({ maxLength: 5 })), { maxLength: 30 }).map((parts) => parts.join(''));
    fc.assert(fc.property(yamlish, (text) => {
      const result = loadText(text, 'any.yaml');
      for (const p of result.problems) expect(p.message).toEqual(expect.any(String));
    }), { numRuns: 2_000 });
  });
});
