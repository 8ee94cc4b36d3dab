import { Memo } from '../../lib/core/memo';

describe('Memo', () => {
  test('computes a value once per key', () => {
    const memo = new Memo<number[]>();
    let calls = 0;
    const first = memo.get('a', () => { calls++; return [1]; });
    expect(memo.get('a', () => { calls++; return [2]; })).toBe(first);
    expect(memo.get('b', () => { calls++; return [3]; })).toEqual([3]);
    expect(calls).toBe(2);
  });

  test('caches nothing when the computation throws', () => {
    const memo = new Memo<string>();
    expect(() => memo.get('bad', () => { throw new Error('no'); })).toThrow('no');
    expect(memo.get('bad', () => 'fixed')).toBe('fixed');
  });

  test('empties itself at its limit, so it cannot grow without end', () => {
    const memo = new Memo<object>(2);
    const a = memo.get('a', () => ({}));
    memo.get('b', () => ({}));
    memo.get('c', () => ({}));
    expect(memo.get('a', () => ({ again: true }))).not.toBe(a);
  });
});
