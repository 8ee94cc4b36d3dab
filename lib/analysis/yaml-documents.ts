import * as yaml from 'js-yaml';

/** One document's text (or a run of text holding no document marker) and where it starts. */
export interface DocumentText {
  /** The text, from its `---` line (if any) to the next one. */
  readonly text: string;
  /** The line of the file it starts on, from 0. */
  readonly line: number;
}

/** What parsing one document text gave: its values, or why it is not YAML. */
export type ParsedDocument =
  | { readonly values: unknown[] }
  | { readonly error: YamlError };

/** A YAML syntax error; `line` and `column` count from 0, `line` from the file's start. */
export interface YamlError {
  readonly line?: number;
  readonly column?: number;
  readonly reason: string;
}

/**
 * YAML's core schema plus merge keys (`<<`), as Kubernetes reads manifests:
 * timestamps such as `creationTimestamp` stay strings (js-yaml's default
 * schema would turn them into Dates), and parsing is faster.
 */
const MERGE_KEY = new yaml.Type('tag:yaml.org,2002:merge', { kind: 'scalar', resolve: (data: unknown) => data === '<<' || data === null });
const MANIFEST_SCHEMA = yaml.CORE_SCHEMA.extend({ implicit: [MERGE_KEY] });

/**
 * `---` at the start of a line, followed by a space, tab or line break or
 * the end. Only CR and LF break lines in YAML (1.2, section 5.4), so not
 * JavaScript's `^` of a multiline regex, which also starts a line after
 * U+2028 and U+2029.
 */
const DOCUMENT_MARKER = /(?:^|(?<=[\r\n]))---(?=[ \t\r\n]|$)/g;
/** An alias node: `*` followed by an anchor name (a `*` in a quoted or plain scalar may match too; then the check just runs). */
const ALIAS = /\*[^\s,[\]{}]/;
const DIRECTIVE = /^%/m;
const NOTHING = /^(?:[ \t]*(?:#[^\n]*)?(?:\r?\n|$))*$/;

/**
 * Parses a (multi-document) YAML text. When the whole text does not parse,
 * it is parsed again document by document, so that a malformed document
 * costs only itself: the result lists each document's values or error.
 */
export function parseDocuments(text: string): ParsedDocument[] {
  const whole = parseDocument({ text, line: 0 });
  return 'error' in whole ? splitDocuments(text).map(parseDocument) : [whole];
}

/**
 * Splits a multi-document YAML text at its `---` lines, where YAML itself
 * starts a new document (a marker at the start of a line ends any scalar or
 * collection before it), so each part parses on its own to the same values
 * as in the whole. Texts with directives (`%YAML`) are not split: a
 * directive belongs to the document after it.
 */
export function splitDocuments(text: string): DocumentText[] {
  if (DIRECTIVE.test(text)) return [{ text, line: 0 }];
  const out: DocumentText[] = [];
  let start = 0;
  let line = 0;
  const cut = (end: number) => {
    // Comments before the first marker belong to the first document: on their own they would parse as an empty one.
    if (start === 0 && NOTHING.test(text.slice(0, end))) return;
    if (end > start) out.push({ text: text.slice(start, end), line });
    line += countLines(text, start, end);
    start = end;
  };
  DOCUMENT_MARKER.lastIndex = 0;
  for (let m = DOCUMENT_MARKER.exec(text); m; m = DOCUMENT_MARKER.exec(text)) cut(m.index);
  cut(text.length);
  return out;
}

function countLines(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Parses one document text; a YAML error is returned with its line in the whole file. */
export function parseDocument(doc: DocumentText): ParsedDocument {
  try {
    const values = yaml.loadAll(doc.text, undefined, { schema: MANIFEST_SCHEMA });
    // Only a text with an alias (`*name`) can share nodes: most manifests have none.
    if (ALIAS.test(doc.text)) {
      for (const v of values) {
        const refused = aliasProblem(v);
        if (refused) return { error: { line: doc.line, reason: refused } };
      }
    }
    return { values };
  } catch (e) {
    const err = e as yaml.YAMLException;
    return { error: { line: err.mark ? doc.line + err.mark.line : undefined, column: err.mark?.column, reason: err.reason ?? err.message } };
  }
}

/**
 * The most nodes a document may stand for, counting each use of an alias
 * as the copy it means, relative to the nodes written: a document above
 * both is refused as "excessive aliasing", as Kubernetes' YAML reader
 * refuses alias bombs (go-yaml v2 decode.go, allowedAliasRatio: up to 99%
 * of decoded nodes may come from aliases in small documents, 10% in large
 * ones). js-yaml shares an aliased node instead of copying it, so parsing
 * is cheap; every walk after it (the analysis, JSON of a selector) would
 * not be.
 */
export const ALIAS_LIMITS = { expandedNodes: 1_000_000, ratio: 10 } as const;

/**
 * Why a parsed document cannot be read (excessive aliasing, or an alias
 * inside its own anchor, which makes a cycle), or undefined. Linear in the
 * distinct nodes: each node's expanded size is computed once, iteratively
 * (documents nested thousands deep do not overflow the stack).
 */
export function aliasProblem(root: unknown): string | undefined {
  if (root === null || typeof root !== 'object') return undefined;
  const size = new Map<object, number>();
  const open = new Set<object>();
  const stack: { node: object; done: boolean }[] = [{ node: root, done: false }];
  let distinct = 0;
  let shared = false;
  while (stack.length > 0) {
    const { node, done } = stack.pop()!;
    const children = Array.isArray(node) ? node : Object.values(node);
    if (done) {
      let total = 1;
      for (const c of children) total += c !== null && typeof c === 'object' ? size.get(c)! : 1;
      size.set(node, total);
      open.delete(node);
      continue;
    }
    if (size.has(node)) { shared = true; continue; }
    if (open.has(node)) continue; // pushed twice by one parent; the first visit counts
    open.add(node);
    distinct += 1 + children.length;
    stack.push({ node, done: true });
    for (const c of children) {
      if (c === null || typeof c !== 'object') continue;
      if (open.has(c) && !size.has(c) && isAncestor(stack, c)) return 'an alias refers to a node that contains it (a cycle)';
      if (size.has(c)) shared = true;
      else stack.push({ node: c, done: false });
    }
  }
  if (!shared) return undefined;
  const expanded = size.get(root)!;
  if (expanded > ALIAS_LIMITS.expandedNodes && expanded > ALIAS_LIMITS.ratio * distinct) {
    return `document contains excessive aliasing: its aliases stand for ${expanded > 1e12 ? 'more than 10^12' : expanded} nodes written as ${distinct} (the limit is ${ALIAS_LIMITS.ratio}x, above ${ALIAS_LIMITS.expandedNodes})`;
  }
  return undefined;
}

/** Whether `node` is still being visited (waits for its children) on the stack. */
function isAncestor(stack: readonly { node: object; done: boolean }[], node: object): boolean {
  return stack.some((e) => e.done && e.node === node);
}
