import * as fc from 'fast-check';
import { COLLATION_ORDER, compareText, textRanks } from '../../lib/core/order';

const collator = new Intl.Collator();
const sign = (n: number) => Math.sign(n);
const textOf = (alphabet: string, maxLength: number) => fc.array(fc.constantFrom(...alphabet.split('')), { maxLength }).map((cs) => cs.join(''));

describe('compareText', () => {
  test('the fast path\'s table is the collator\'s order of those characters, without ties', () => {
    const chars = COLLATION_ORDER.split('');
    expect([...chars].sort(collator.compare).join('')).toBe(COLLATION_ORDER);
    for (let i = 1; i < chars.length; i++) expect(collator.compare(chars[i - 1], chars[i])).toBeLessThan(0);
  });

  test('orders texts of the table\'s characters exactly as the collator does', () => {
    const text = textOf(COLLATION_ORDER, 12);
    fc.assert(fc.property(text, text, (a, b) => sign(compareText(a, b)) === sign(collator.compare(a, b))), { numRuns: 20_000 });
  });

  test('orders Kubernetes names exactly as the collator does', () => {
    const name = textOf('abcdefghijklmnopqrstuvwxyz0123456789-./', 12);
    fc.assert(fc.property(name, name, (a, b) => sign(compareText(a, b)) === sign(collator.compare(a, b))), { numRuns: 20_000 });
  });

  test('orders texts with a common start (policy keys, CIDR lists) exactly as the collator does', () => {
    const start = textOf('ANPaknp/._-~,:019 ', 10);
    const rest = textOf('abkz09./-ANZ~,: _', 6);
    fc.assert(fc.property(start, rest, rest, (p, x, y) => sign(compareText(p + x, p + y)) === sign(collator.compare(p + x, p + y))), { numRuns: 20_000 });
  });

  test('orders any other text with the collator', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => sign(compareText(a, b)) === sign(collator.compare(a, b))), { numRuns: 2_000 });
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => sign(compareText(`x${a}`, `x${b}`)) === sign(collator.compare(`x${a}`, `x${b}`))), { numRuns: 2_000 });
    expect(compareText('~10.0.0.0/8', 'a/b')).toBeLessThan(0);
    expect(compareText('B', 'a')).toBeGreaterThan(0);
    expect(compareText('networking.k8s.io/v1/NetworkPolicy/b/x', 'networking.k8s.io/v1/NetworkPolicy/a/x')).toBeGreaterThan(0);
  });
});

describe('textRanks', () => {
  test('ranks any texts as compareText orders them', () => {
    const text = fc.oneof(textOf(COLLATION_ORDER, 8), fc.string({ unit: 'grapheme' }));
    fc.assert(fc.property(fc.array(text, { maxLength: 30 }), (texts) => {
      const ranks = textRanks(texts);
      const byRank = [...ranks.keys()].sort((a, b) => ranks.get(a)! - ranks.get(b)!);
      for (let i = 1; i < byRank.length; i++) expect(compareText(byRank[i - 1], byRank[i])).toBeLessThanOrEqual(0);
    }), { numRuns: 500 });
  });

  test('ranks distinct texts in compareText order', () => {
    const ranks = textRanks(['b', 'B', 'a', 'b', '~x']);
    expect([...ranks.entries()]).toEqual([['~x', 0], ['a', 1], ['b', 2], ['B', 3]]);
  });
});
