/**
 * Selector matching as the engines define it: Kubernetes label selectors,
 * Calico selector expressions, Cilium endpoint selectors.
 */
import { Memo } from '../core/memo';

/** Labels of an object. */
export type Labels = { readonly [key: string]: string };
/** A compiled selector. */
export type Matcher = (labels: Labels) => boolean;

const sameKey = (key: string) => key;

/**
 * A label's value, or undefined. Labels are plain objects whose values are
 * strings, so a key such as `constructor` or `toString` must not find what
 * every object inherits (a function, or `__proto__`'s object): only strings
 * are label values.
 */
export function labelValue(labels: Labels, key: string): string | undefined {
  const v: unknown = labels[key];
  return typeof v === 'string' ? v : undefined;
}

/** Matches everything. */
export const MATCH_ALL: Matcher = () => true;
/** Matches nothing. */
export const MATCH_NONE: Matcher = () => false;

/** A Kubernetes `LabelSelector` as JSON. */
export interface LabelSelectorJson {
  readonly matchLabels?: { readonly [key: string]: unknown };
  readonly matchExpressions?: readonly { readonly key?: unknown; readonly operator?: unknown; readonly values?: unknown }[];
}

/**
 * Compiles a Kubernetes label selector. `keyMap` rewrites keys (Cilium's
 * `k8s:` prefixes). Throws an Error with the field path for invalid input.
 */
export function compileLabelSelector(selector: unknown, keyMap: (key: string) => string = sameKey): Matcher {
  if (selector === undefined || selector === null) return MATCH_ALL;
  if (typeof selector !== 'object' || Array.isArray(selector)) throw new Error('is not a label selector object');
  const memo = keyMap === sameKey ? LABEL_SELECTORS : keyMap === ciliumKey ? CILIUM_SELECTORS : undefined;
  return memo ? memo.get(JSON.stringify(selector), () => compileSelector(selector, keyMap)) : compileSelector(selector, keyMap);
}

const LABEL_SELECTORS = new Memo<Matcher>();
const CILIUM_SELECTORS = new Memo<Matcher>();

function compileSelector(selector: object, keyMap: (key: string) => string): Matcher {
  const s = selector as LabelSelectorJson;
  const tests: Matcher[] = [];
  if (s.matchLabels !== undefined) {
    if (typeof s.matchLabels !== 'object' || s.matchLabels === null) throw new Error('matchLabels is not an object');
    for (const [rawKey, value] of Object.entries(s.matchLabels)) {
      if (typeof value !== 'string') throw new Error(`matchLabels.${rawKey} is not a string`);
      const key = keyMap(rawKey);
      tests.push((l) => labelValue(l, key) === value);
    }
  }
  if (s.matchExpressions !== undefined) {
    if (!Array.isArray(s.matchExpressions)) throw new Error('matchExpressions is not a list');
    s.matchExpressions.forEach((e, i) => {
      if (typeof e.key !== 'string') throw new Error(`matchExpressions[${i}].key is missing`);
      const key = keyMap(e.key);
      const values = Array.isArray(e.values) ? e.values.map(String) : [];
      switch (e.operator) {
        case 'In': tests.push((l) => { const v = labelValue(l, key); return v !== undefined && values.includes(v); }); break;
        case 'NotIn': tests.push((l) => { const v = labelValue(l, key); return v === undefined || !values.includes(v); }); break;
        case 'Exists': tests.push((l) => labelValue(l, key) !== undefined); break;
        case 'DoesNotExist': tests.push((l) => labelValue(l, key) === undefined); break;
        default: throw new Error(`matchExpressions[${i}].operator ${JSON.stringify(e.operator)} is not In, NotIn, Exists or DoesNotExist`);
      }
    });
  }
  if (tests.length === 0) return MATCH_ALL;
  if (tests.length === 1) return tests[0];
  return (l) => tests.every((t) => t(l));
}

/** Whether a Kubernetes selector JSON is `{}` (matches everything). */
export function isEmptySelector(selector: unknown): boolean {
  if (selector === undefined || selector === null || typeof selector !== 'object') return false;
  const s = selector as LabelSelectorJson;
  return Object.keys(s.matchLabels ?? {}).length === 0 && (s.matchExpressions ?? []).length === 0;
}

/** Strips Cilium's label source prefixes (`k8s:`, `any:`) from a selector key. */
export function ciliumKey(key: string): string {
  if (key.startsWith('k8s:')) return key.slice(4);
  if (key.startsWith('any:')) return key.slice(4);
  return key;
}

// ---- Calico selector expressions --------------------------------------------------

type Token = { t: 'id' | 'str' | 'op' | 'eof'; v: string };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '"' || c === '\'') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated string at ${i}`);
      out.push({ t: 'str', v: text.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (['==', '!=', '&&', '||'].includes(two)) { out.push({ t: 'op', v: two }); i += 2; continue; }
    if ('(){},!'.includes(c)) { out.push({ t: 'op', v: c }); i++; continue; }
    const m = /^[A-Za-z0-9_./\-]+/.exec(text.slice(i));
    if (!m) throw new Error(`unexpected ${JSON.stringify(c)} at ${i}`);
    out.push({ t: 'id', v: m[0] });
    i += m[0].length;
  }
  out.push({ t: 'eof', v: '' });
  return out;
}

/**
 * Compiles a Calico selector expression (`app == 'web' && has(tier)`,
 * `k in {'a','b'}`, `all()`, `global()`, `!`, `||`, parentheses, `starts with`,
 * `ends with`, `contains`). Throws an Error that says where parsing failed.
 */
export function compileCalicoSelector(text: string): Matcher {
  return compileCalicoExpression(text).matches;
}

/** How deep `!` and parentheses may nest in a Calico selector (each level is a call when the selector is tested). */
export const MAX_SELECTOR_DEPTH = 500;

/** What a Calico selector is matched against: endpoint labels, or the labels of an endpoint's namespace. */
export type CalicoSelectorContext = 'endpoints' | 'namespaces';

/** The label Calico gives every endpoint in a namespace (workloads, namespaced NetworkSets). */
export const CALICO_NAMESPACE_LABEL = 'projectcalico.org/namespace';

/** The label every namespace carries in Calico's view of namespace labels; absent for things outside namespaces. */
export const CALICO_NAMESPACE_NAME = 'projectcalico.org/name';

/**
 * Compiles a Calico selector expression (see compileCalicoSelector) and
 * lists the label keys it reads.
 */
export function compileCalicoExpression(text: string, context: CalicoSelectorContext = 'endpoints'): { readonly matches: Matcher; readonly keys: readonly string[] } {
  // The same selectors recur in every namespace's policies: compiled once.
  return CALICO_EXPRESSIONS.get(`${context}|${text}`, () => compileCalicoText(text, context));
}

const CALICO_EXPRESSIONS = new Memo<{ readonly matches: Matcher; readonly keys: readonly string[] }>();

function compileCalicoText(text: string, context: CalicoSelectorContext): { readonly matches: Matcher; readonly keys: readonly string[] } {
  const keys: string[] = [];
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];
  const expectOp = (v: string) => {
    const t = next();
    if (t.t !== 'op' || t.v !== v) throw new Error(`expected "${v}" but found "${t.v || 'end'}" in selector ${JSON.stringify(text)}`);
  };
  const expectStr = () => {
    const t = next();
    if (t.t !== 'str') throw new Error(`expected a quoted value but found "${t.v || 'end'}" in selector ${JSON.stringify(text)}`);
    return t.v;
  };
  const set = (): string[] => {
    expectOp('{');
    const values: string[] = [];
    while (!(peek().t === 'op' && peek().v === '}')) {
      values.push(expectStr());
      if (peek().t === 'op' && peek().v === ',') next();
    }
    expectOp('}');
    return values;
  };
  // Clauses joined by && or || are kept in flat lists and tested in a loop:
  // a selector of 15,000 clauses must not nest 15,000 closures deep.
  const or = (): Matcher => {
    const parts = [and()];
    while (peek().t === 'op' && peek().v === '||') { next(); parts.push(and()); }
    return parts.length === 1 ? parts[0] : (x) => { for (let i = 0; i < parts.length; i++) if (parts[i](x)) return true; return false; };
  };
  const and = (): Matcher => {
    const parts = [unary()];
    while (peek().t === 'op' && peek().v === '&&') { next(); parts.push(unary()); }
    return parts.length === 1 ? parts[0] : (x) => { for (let i = 0; i < parts.length; i++) if (!parts[i](x)) return false; return true; };
  };
  let depth = 0;
  const nested = (inner: () => Matcher): Matcher => {
    if (++depth > MAX_SELECTOR_DEPTH) throw new Error(`selector nests deeper than ${MAX_SELECTOR_DEPTH} levels of ! and ( )`);
    try { return inner(); } finally { depth--; }
  };
  const unary = (): Matcher => {
    if (peek().t === 'op' && peek().v === '!') { next(); const inner = nested(unary); return (x) => !inner(x); }
    if (peek().t === 'op' && peek().v === '(') { next(); const inner = nested(or); expectOp(')'); return inner; }
    const t = next();
    if (t.t !== 'id') throw new Error(`unexpected "${t.v || 'end'}" in selector ${JSON.stringify(text)}`);
    if ((t.v === 'all' || t.v === 'global') && peek().v === '(') {
      next();
      expectOp(')');
      if (context === 'endpoints') return MATCH_ALL;
      keys.push(CALICO_NAMESPACE_NAME);
      // In a rule's namespaceSelector, all() means "anything in a namespace"
      // and global() "anything outside namespaces" (GlobalNetworkSets, host
      // endpoints): libcalico-go lib/backend/syncersv1/updateprocessors/rules.go
      // getEndpointSelector rewrites them to has() / !has(projectcalico.org/namespace).
      return t.v === 'all' ? (x) => labelValue(x, CALICO_NAMESPACE_NAME) !== undefined : (x) => labelValue(x, CALICO_NAMESPACE_NAME) === undefined;
    }
    if (t.v === 'has' && peek().v === '(') {
      next();
      const key = next();
      if (key.t !== 'id') throw new Error(`has() needs a label key in selector ${JSON.stringify(text)}`);
      expectOp(')');
      keys.push(key.v);
      return (x) => labelValue(x, key.v) !== undefined;
    }
    const key = t.v;
    keys.push(key);
    const op = next();
    if (op.t === 'op' && op.v === '==') { const v = expectStr(); return (x) => labelValue(x, key) === v; }
    if (op.t === 'op' && op.v === '!=') { const v = expectStr(); return (x) => labelValue(x, key) !== v; }
    if (op.t === 'id' && op.v === 'in') { const vs = set(); return (x) => { const v = labelValue(x, key); return v !== undefined && vs.includes(v); }; }
    if (op.t === 'id' && op.v === 'not' && peek().v === 'in') { next(); const vs = set(); return (x) => { const v = labelValue(x, key); return v === undefined || !vs.includes(v); }; }
    if (op.t === 'id' && op.v === 'contains') { const v = expectStr(); return (x) => labelValue(x, key)?.includes(v) ?? false; }
    if (op.t === 'id' && (op.v === 'starts' || op.v === 'ends')) {
      const w = next();
      if (w.v !== 'with') throw new Error(`expected "with" after "${op.v}" in selector ${JSON.stringify(text)}`);
      const v = expectStr();
      return op.v === 'starts' ? (x) => labelValue(x, key)?.startsWith(v) ?? false : (x) => labelValue(x, key)?.endsWith(v) ?? false;
    }
    throw new Error(`unexpected "${op.v || 'end'}" after "${key}" in selector ${JSON.stringify(text)}`);
  };
  if (text.trim() === '') return { matches: MATCH_ALL, keys };
  const matches = or();
  if (peek().t !== 'eof') throw new Error(`unexpected "${peek().v}" in selector ${JSON.stringify(text)}`);
  return { matches, keys };
}
