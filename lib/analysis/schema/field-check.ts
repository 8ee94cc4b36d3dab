/**
 * Checks objects against the fields, types and enums of their kind's
 * upstream schema (field-tables.ts, generated from shared/schemas): a
 * misspelled field (`podSelector.matchlabels`, `ingres`) or a mistyped one
 * (`port: [80]`, `protocol: tcp` where the schema lists TCP/UDP/SCTP) is a
 * problem with its path. The analysis still reads the object as an API
 * server with field validation "warn" would keep it: unknown fields dropped.
 */
import { KubeObject } from '../../manifests/types';
import { FIELD_TABLES } from './field-tables';

/** One node of the tables (see scripts/gen-field-tables.js). */
export type FieldNode =
  | { readonly t: 'o'; readonly p?: { readonly [field: string]: number }; readonly m?: number; readonly open?: 1 }
  | { readonly t: 'a'; readonly i: number }
  | { readonly t: 's'; readonly e?: readonly string[] }
  | { readonly t: 'i' | 'n' | 'b' | 'is' | '*' };

/** The generated tables: kinds (`apiVersion/kind`) to their root node, and the nodes. */
export interface FieldTables {
  readonly sources: { readonly [kind: string]: string };
  readonly kinds: { readonly [kind: string]: number };
  readonly nodes: readonly FieldNode[];
}

/** A field problem: its path (`spec.ingress[0].ports[1].protocol`) and what is wrong. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** At most this many problems per object: a wholly wrong object says so without a thousand lines. */
const MAX_PROBLEMS = 20;

/** Whether the tables know the object's kind. */
export function hasFieldTable(o: KubeObject): boolean {
  return FIELD_TABLES.kinds[`${o.apiVersion}/${o.kind}`] !== undefined;
}

/** The object's field problems (none when its kind is not in the tables). */
export function checkFields(o: KubeObject): FieldProblem[] {
  const root = FIELD_TABLES.kinds[`${o.apiVersion}/${o.kind}`];
  if (root === undefined || isClean(o as unknown as { [key: string]: unknown }, root)) return [];
  return problemsOf(o as unknown as { [key: string]: unknown }, root);
}

/**
 * `checkFields` without its first pass: the full walk, clean objects
 * included (what the first pass must agree with; for tests).
 */
export function fieldProblems(o: KubeObject): FieldProblem[] {
  const root = FIELD_TABLES.kinds[`${o.apiVersion}/${o.kind}`];
  return root === undefined ? [] : problemsOf(o as unknown as { [key: string]: unknown }, root);
}

/**
 * Whether the object has no field problem: the walk of `problemsOf` in the
 * object's own key order, without paths, stopping at the first problem.
 * Nearly every object is clean, so the paths and the sorted key order the
 * report needs are made only for the few that are not.
 */
function isClean(top: { [key: string]: unknown }, root: number): boolean {
  const values: unknown[] = [];
  const nodes: number[] = [];
  const visit = (node: number, value: { [key: string]: unknown }, skipTop: boolean): boolean => {
    const n = FIELD_TABLES.nodes[node] as Extract<FieldNode, { t: 'o' }>;
    for (const key of Object.keys(value)) {
      if (skipTop && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) continue;
      const child = n.m !== undefined ? n.m : knownField(n, key);
      if (child === UNKNOWN) return false;
      if (child !== undefined) { values.push(value[key]); nodes.push(child); }
    }
    return true;
  };
  if (!visit(root, top, true)) return false;
  while (values.length > 0) {
    const value = values.pop();
    const node = nodes.pop()!;
    if (value === null || value === undefined) continue;
    const n = FIELD_TABLES.nodes[node];
    if (mismatch(n, value) !== undefined) return false;
    if (n.t === 'o') {
      if (!visit(node, value as { [key: string]: unknown }, false)) return false;
    } else if (n.t === 'a') {
      for (const item of value as unknown[]) { values.push(item); nodes.push(n.i); }
    }
  }
  return true;
}

/** The problems of an object that has some: fields in sorted order, each with its path, at most MAX_PROBLEMS. */
function problemsOf(top: { [key: string]: unknown }, root: number): FieldProblem[] {
  const out: FieldProblem[] = [];
  // Iterative: a document nested thousands deep does not overflow the stack.
  const stack: { value: unknown; node: number; path: string }[] = [];
  for (const key of Object.keys(top)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'metadata') continue;
    stack.push({ value: top[key], node: fieldOf(root, key, key, out) ?? -1, path: key });
  }
  while (stack.length > 0 && out.length < MAX_PROBLEMS) {
    const { value, node, path } = stack.pop()!;
    if (node < 0 || value === null || value === undefined) continue;
    const n = FIELD_TABLES.nodes[node];
    const message = mismatch(n, value);
    if (message !== undefined) { out.push({ field: path, message }); continue; }
    if (n.t === 'o') {
      for (const key of Object.keys(value as object).sort().reverse()) {
        const child = n.m !== undefined ? n.m : fieldOf(node, key, `${path}.${key}`, out);
        if (child !== undefined) stack.push({ value: (value as { [key: string]: unknown })[key], node: child, path: `${path}.${key}` });
      }
    } else if (n.t === 'a') {
      const items = value as unknown[];
      for (let i = items.length - 1; i >= 0; i--) stack.push({ value: items[i], node: n.i, path: `${path}[${i}]` });
    }
  }
  return out;
}

/** What is wrong with a (non-null) value for node `n`'s type or enum, or undefined when nothing is. */
function mismatch(n: FieldNode, value: unknown): string | undefined {
  switch (n.t) {
    case 'o': return typeof value !== 'object' || Array.isArray(value) ? `is ${describe(value)}, not an object` : undefined;
    case 'a': return Array.isArray(value) ? undefined : `is ${describe(value)}, not a list`;
    case 's':
      if (typeof value !== 'string') return `is ${describe(value)}, not a string`;
      return n.e && !n.e.includes(value) ? `is ${JSON.stringify(value)}, not one of ${n.e.join(', ')}` : undefined;
    case 'i': return typeof value !== 'number' || !Number.isInteger(value) ? `is ${describe(value)}, not an integer` : undefined;
    case 'n': return typeof value !== 'number' ? `is ${describe(value)}, not a number` : undefined;
    case 'b': return typeof value !== 'boolean' ? `is ${describe(value)}, not true or false` : undefined;
    case 'is': return typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value)) ? `is ${describe(value)}, not an integer or a string` : undefined;
    default: return undefined;
  }
}

/** Marks a field an object node does not have (see knownField). */
const UNKNOWN = -1;

/**
 * The node of field `key` of object node `n`: undefined when the node takes
 * any field unchecked (open, or no table of its fields), UNKNOWN when it has
 * no such field.
 */
function knownField(n: Extract<FieldNode, { t: 'o' }>, key: string): number | undefined {
  const fields = n.p ?? {};
  if (Object.prototype.hasOwnProperty.call(fields, key)) return fields[key];
  return n.open || (n.p === undefined && n.m === undefined) ? undefined : UNKNOWN;
}

/** The node of field `key` of object node `node`; an unknown field is a problem (undefined then). */
function fieldOf(node: number, key: string, path: string, out: FieldProblem[]): number | undefined {
  const n = FIELD_TABLES.nodes[node];
  if (n.t !== 'o') return undefined;
  const child = knownField(n, key);
  if (child !== UNKNOWN) return child;
  const near = nearest(key, Object.keys(n.p ?? {}));
  out.push({ field: path, message: `is not a field here${near ? ` (did you mean ${near}?)` : ''}; the API server rejects it (kubectl's default strict field validation) or drops it` });
  return undefined;
}

/** The known field closest to a misspelled one: same letters ignoring case, or one or two edits away. */
function nearest(key: string, fields: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  const same = fields.find((f) => f.toLowerCase() === lower);
  if (same) return same;
  let best: string | undefined;
  let bestDistance = 3;
  for (const f of fields) {
    const d = distance(lower, f.toLowerCase());
    if (d < bestDistance) { best = f; bestDistance = d; }
  }
  return best;
}

/** Levenshtein distance, for suggestions (short field names). */
function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}
