/**
 * A cache of pure results by text key, emptied when it reaches its limit so
 * that a long-running process (a test runner, a watch mode) does not grow
 * without end. Large inputs repeat the same few values (a CIDR, a selector,
 * a port list in every namespace): sharing one result for each keeps the
 * analyzer's model small, which is what makes it fast to build and collect.
 */
export class Memo<V> {
  private readonly values = new Map<string, V>();

  /** @param limit entries kept before the cache is emptied */
  constructor(private readonly limit = 10_000) {}

  /** The value for `key`, computed by `compute` when absent. A `compute` that throws caches nothing. */
  public get(key: string, compute: () => V): V {
    let value = this.values.get(key);
    if (value === undefined) {
      value = compute();
      if (this.values.size >= this.limit) this.values.clear();
      this.values.set(key, value);
    }
    return value;
  }
}
