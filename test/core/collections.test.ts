import { appendTo } from '../../lib/core/collections';

describe('appendTo', () => {
  test('adds to the key\'s list in place, making the list when new, in order of adding', () => {
    const map = new Map<string, number[]>();
    appendTo(map, 'a', 1);
    const list = map.get('a');
    appendTo(map, 'a', 2);
    appendTo(map, 'b', 3);
    expect(map.get('a')).toBe(list); // the same list, not a copy
    expect([...map]).toEqual([['a', [1, 2]], ['b', [3]]]);
  });
});
