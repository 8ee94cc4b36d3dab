/**
 * Compares text the way `String.prototype.localeCompare` does (the root
 * collation), fast. Texts made of printable ASCII without capitals and
 * spaces (Kubernetes names and ids, CIDR lists, paths) compare by one
 * primary weight per character, so they are compared here with a table of
 * those weights; so are the rests of two texts after a common ASCII start
 * (policy keys that differ only in their namespace). Anything else goes to
 * one `Intl.Collator`, built on first need: building it costs ~10 ms at
 * start-up, and `localeCompare` builds one per call. test/core/order.test.ts
 * checks the table and the equivalences against the collator.
 */

/** The characters of the fast path, in the root collation's order. */
export const COLLATION_ORDER = "_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$0123456789abcdefghijklmnopqrstuvwxyz";

const WEIGHT = new Int8Array(128).fill(-1);
for (let i = 0; i < COLLATION_ORDER.length; i++) WEIGHT[COLLATION_ORDER.charCodeAt(i)] = i;
const RANKED_REST = /[_\-,;:!?.'"()[\]{}@*/\\&#%`^+<=>|~$0-9a-z]*$/y;
let collate: ((a: string, b: string) => number) | undefined;

function rankedFrom(text: string, start: number): boolean {
  RANKED_REST.lastIndex = start;
  return RANKED_REST.test(text);
}

/** Compares text as `localeCompare` does. */
export function compareText(a: string, b: string): number {
  return compareKnown(a, b, false);
}

/** compareText; `ranked` says both texts are known to be all table characters. */
function compareKnown(a: string, b: string, ranked: boolean): number {
  if (a === b) return 0;
  // Equal ASCII starts weigh the same at every collation level: the rests decide.
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i) && a.charCodeAt(i) < 128) i++;
  if (ranked || (rankedFrom(a, i) && rankedFrom(b, i))) {
    if (i === a.length) return -1;
    if (i === b.length) return 1;
    return WEIGHT[a.charCodeAt(i)] - WEIGHT[b.charCodeAt(i)];
  }
  collate ??= new Intl.Collator().compare;
  return collate(a, b);
}

/**
 * The rank of each distinct text in `compareText` order. Sorting many items
 * by text costs O(n log n) comparisons; ranking sorts the distinct texts
 * once, testing each for the fast path once, and leaves numbers to compare.
 */
export function textRanks(texts: Iterable<string>): Map<string, number> {
  const distinct = [...new Set(texts)];
  const ranked = new Set(distinct.filter((t) => rankedFrom(t, 0)));
  distinct.sort((a, b) => compareKnown(a, b, ranked.has(a) && ranked.has(b)));
  return new Map(distinct.map((t, i) => [t, i]));
}
