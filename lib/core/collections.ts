/**
 * Adds `value` to the list of `key` in a map of lists (the list made when
 * new), in place: copying the list on every add is quadratic in its length.
 */
export function appendTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value); else map.set(key, [value]);
}
