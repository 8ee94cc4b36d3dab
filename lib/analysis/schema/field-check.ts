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
  if (root === undefined) return [];
  const out: FieldProblem[] = [];
  // Iterative: a document nested thousands deep does not overflow the stack.
  const stack: { value: unknown; node: number; path: string }[] = [];
  const top = o as unknown as { [key: string]: unknown };
  for (const key of Object.keys(top)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'metadata') continue;
    stack.push({ value: top[key], node: fieldOf(root, key, key, out) ?? -1, path: key });
  }
  while (stack.length > 0 && out.length < MAX_PROBLEMS) {
    const { value, node, path } = stack.pop()!;
    if (node < 0 || value === null || value === undefined) continue;
    const n = FIELD_TABLES.nodes[node];
    switch (n.t) {
      case 'o': {
        if (typeof value !== 'object' || Array.isArray(value)) { out.push({ field: path, message: `is ${describe(value)}, not an object` }); break; }
        for (const key of Object.keys(value).sort().reverse()) {
          const child = n.m !== undefined ? n.m : fieldOf(node, key, `${path}.${key}`, out);
          if (child !== undefined) stack.push({ value: (value as { [key: string]: unknown })[key], node: child, path: `${path}.${key}` });
        }
        break;
      }
      case 'a':
        if (!Array.isArray(value)) { out.push({ field: path, message: `is ${describe(value)}, not a list` }); break; }
        for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], node: n.i, path: `${path}[${i}]` });
        break;
      case 's':
        if (typeof value !== 'string') out.push({ field: path, message: `is ${describe(value)}, not a string` });
        else if (n.e && !n.e.includes(value)) out.push({ field: path, message: `is ${JSON.stringify(value)}, not one of ${n.e.join(', ')}` });
        break;
      case 'i':
        if (typeof value !== 'number' || !Number.isInteger(value)) out.push({ field: path, message: `is ${describe(value)}, not an integer` });
        break;
      case 'n':
        if (typeof value !== 'number') out.push({ field: path, message: `is ${describe(value)}, not a number` });
        break;
      case 'b':
        if (typeof value !== 'boolean') out.push({ field: path, message: `is ${describe(value)}, not true or false` });
        break;
      case 'is':
        if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value))) out.push({ field: path, message: `is ${describe(value)}, not an integer or a string` });
        break;
      default:
        break;
    }
  }
  return out;
}

/** The node of field `key` of object node `node`; an unknown field is a problem (undefined then). */
function fieldOf(node: number, key: string, path: string, out: FieldProblem[]): number | undefined {
  const n = FIELD_TABLES.nodes[node];
  if (n.t !== 'o') return undefined;
  const fields = n.p ?? {};
  if (Object.prototype.hasOwnProperty.call(fields, key)) return fields[key];
  if (n.open || (n.p === undefined && n.m === undefined)) return undefined;
  const near = nearest(key, Object.keys(fields));
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
