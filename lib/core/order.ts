/**
 * Compares text the way `String.prototype.localeCompare` does. One collator
 * is built, on first need (building it costs ~10 ms at start-up): sorting
 * thousands of ids with `localeCompare` builds one per call and dominates
 * large analyses. Kubernetes names and ids (lowercase letters, digits,
 * `-`, `.`, `/`) sort the same under the collator as by code unit, so they
 * are compared directly (test/core/order.test.ts checks the equivalence).
 */
const PLAIN = /^[a-z0-9./-]*$/;
let collate: ((a: string, b: string) => number) | undefined;

/** Compares text as `localeCompare` does. */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  if (PLAIN.test(a) && PLAIN.test(b)) return a < b ? -1 : 1;
  collate ??= new Intl.Collator().compare;
  return collate(a, b);
}
