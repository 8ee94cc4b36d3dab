/**
 * Compares text the way `String.prototype.localeCompare` does. One collator
 * is built, on first need (building it costs ~10 ms at start-up): sorting
 * thousands of ids with `localeCompare` builds one per call and dominates
 * large analyses. Kubernetes names and ids (lowercase letters, digits,
 * `-`, `.`, `/`) sort the same under the collator as by code unit, so they
 * are compared directly; so are the rests of two texts after a common ASCII
 * start (test/core/order.test.ts checks both equivalences).
 */
const PLAIN_REST = /[a-z0-9./-]*$/y;
let collate: ((a: string, b: string) => number) | undefined;

function plainFrom(text: string, start: number): boolean {
  PLAIN_REST.lastIndex = start;
  return PLAIN_REST.test(text);
}

/** Compares text as `localeCompare` does. */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  // Equal ASCII starts weigh the same at every collation level: the rests decide.
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i) && a.charCodeAt(i) < 128) i++;
  if (plainFrom(a, i) && plainFrom(b, i)) return a < b ? -1 : 1;
  collate ??= new Intl.Collator().compare;
  return collate(a, b);
}

/**
 * The rank of each distinct text in `compareText` order. Sorting many items
 * by text costs O(n log n) comparisons; ranking sorts the distinct texts
 * once and leaves numbers to compare.
 */
export function textRanks(texts: Iterable<string>): Map<string, number> {
  const distinct = [...new Set(texts)].sort(compareText);
  return new Map(distinct.map((t, i) => [t, i]));
}
