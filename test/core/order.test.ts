import * as fc from 'fast-check';
import { compareText } from '../../lib/core/order';

const collator = new Intl.Collator();
const sign = (n: number) => Math.sign(n);

describe('compareText', () => {
  test('orders Kubernetes names exactly as the collator does', () => {
    const name = fc.array(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-./'.split('')), { maxLength: 12 }).map((cs) => cs.join(''));
    fc.assert(fc.property(name, name, (a, b) => sign(compareText(a, b)) === sign(collator.compare(a, b))), { numRuns: 20_000 });
  });

  test('orders any other text with the collator', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => sign(compareText(a, b)) === sign(collator.compare(a, b))), { numRuns: 2_000 });
    expect(compareText('~10.0.0.0/8', 'a/b')).toBeLessThan(0);
    expect(compareText('B', 'a')).toBeGreaterThan(0);
  });
});
