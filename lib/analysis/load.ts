import * as fs from 'fs';
import * as path from 'path';
import { KubeObject } from '../manifests/types';
import { parseDocuments, ParsedDocument } from './yaml-documents';

/** Where a document came from. */
export interface Source {
  /** The file (or a label such as `<chart tenants>`). */
  readonly file: string;
  /** The document's index in the file, from 0 (items of a List count in order). */
  readonly index: number;
}

/** One Kubernetes object with its source. */
export interface SourcedObject extends Source {
  /** The object. */
  readonly object: KubeObject;
}

/** A problem with the input: malformed YAML, an unknown kind, an invalid field. */
export interface InputProblem extends Source {
  /** The field path inside the document, such as `spec.ingress[0].ports[1].port`. */
  readonly field: string;
  /** What is wrong. */
  readonly message: string;
}

/** The result of loading manifests. */
export interface LoadResult {
  /** The objects, in input order. */
  readonly objects: SourcedObject[];
  /** The problems found while reading. */
  readonly problems: InputProblem[];
}

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];
/** Lists (top-level arrays, `kind: List`) inside lists are read this deep. */
const MAX_LIST_NESTING = 16;

/** Options of reading files. */
export interface ReadOptions {
  /**
   * Follow symbolic links that lead out of the path they were found under.
   * @default false: such a link is a problem, not read
   */
  readonly followLinks?: boolean;
}

/**
 * Lists manifest files under the paths: files as given, directories
 * recursively, sorted. What cannot be read (a dangling link, a link loop, a
 * directory that cannot be listed, a link out of the tree unless
 * `followLinks`) is a problem for that path; the rest is listed.
 */
export function manifestFiles(paths: readonly string[], options: ReadOptions = {}): { files: string[]; problems: InputProblem[] } {
  const files: string[] = [];
  const problems: InputProblem[] = [];
  const problem = (p: string, message: string) => problems.push({ file: p, index: 0, field: '', message });
  const seen = new Set<string>();
  const walk = (p: string, root: string, given: boolean) => {
    let stat: fs.Stats;
    let real: string;
    try {
      const link = fs.lstatSync(p);
      real = fs.realpathSync(p);
      stat = fs.statSync(p);
      if (link.isSymbolicLink() && !given && !options.followLinks && !within(real, root)) {
        problem(p, `is a link out of ${root} (to ${real}); not followed (--follow-links to follow)`);
        return;
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      problem(p, code === 'ELOOP' ? 'is a symbolic link loop' : code === 'ENOENT' ? (given ? 'does not exist' : 'is a dangling symbolic link') : `cannot be read (${code ?? (e as Error).message})`);
      return;
    }
    if (!stat.isDirectory()) {
      if (given || MANIFEST_EXTENSIONS.includes(path.extname(p))) files.push(p);
      return;
    }
    if (seen.has(real)) return; // a directory reached twice (through a link): read once
    seen.add(real);
    let entries: string[];
    try {
      entries = fs.readdirSync(p).sort();
    } catch (e) {
      problem(p, `cannot be listed (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
      return;
    }
    for (const entry of entries) {
      if (entry === 'node_modules' || entry.startsWith('.')) continue;
      walk(path.join(p, entry), root, false);
    }
  };
  for (const p of paths) {
    let root = p;
    try { root = fs.realpathSync(p); } catch { /* reported by walk */ }
    walk(p, root, true);
  }
  return { files, problems };
}

/** Whether `real` lies in directory `root` (both real paths). */
function within(real: string, root: string): boolean {
  return real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/**
 * Reads YAML or JSON files (multi-document, `kind: List`, top-level arrays)
 * into objects. A file that cannot be read is a problem; the rest is read.
 */
export function loadFiles(paths: readonly string[], options: ReadOptions = {}): LoadResult {
  const listed = manifestFiles(paths, options);
  const objects: SourcedObject[] = [];
  const problems: InputProblem[] = [...listed.problems];
  for (const file of listed.files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      problems.push({ file, index: 0, field: '', message: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
      continue;
    }
    appendResult({ objects, problems }, loadText(text, file));
  }
  return { objects, problems };
}

/** Adds `from`'s objects and problems to `into`'s, one push per item (a spread of a 150,000-object List overflows the call stack). */
export function appendResult(into: { objects: SourcedObject[]; problems: InputProblem[] }, from: LoadResult): void {
  for (const o of from.objects) into.objects.push(o);
  for (const p of from.problems) into.problems.push(p);
}

/**
 * Reads one YAML or JSON text. A malformed document is reported with its
 * line and skipped; the documents around it are still read.
 */
export function loadText(text: string, file: string): LoadResult {
  return collect(file, parseDocuments(text));
}

/** The objects and problems of one file's parsed documents. */
function collect(file: string, parsed: readonly ParsedDocument[]): LoadResult {
  const objects: SourcedObject[] = [];
  const problems: InputProblem[] = [];
  let index = 0;
  // The items of a list (a top-level array, a `kind: List`) at `field`, each at `fieldOf(i)`.
  const addItems = (items: readonly unknown[], field: string, fieldOf: (i: number) => string, depth: number) => {
    if (depth >= MAX_LIST_NESTING) { problems.push({ file, index, field, message: `nests lists more than ${MAX_LIST_NESTING} deep` }); index++; return; }
    items.forEach((d, i) => add(d, fieldOf(i), depth + 1));
  };
  const add = (doc: unknown, field: string, depth = 0) => {
    if (doc === null || doc === undefined) return;
    if (Array.isArray(doc)) { addItems(doc, field, (i) => `${field}[${i}]`, depth); return; }
    if (typeof doc !== 'object') {
      problems.push({ file, index, field, message: 'is not a Kubernetes object' });
      index++;
      return;
    }
    const o = doc as { apiVersion?: unknown; kind?: unknown; items?: unknown; metadata?: unknown };
    if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) { addItems(o.items, field, (i) => `items[${i}]`, depth); return; }
    const object = checkedObject(o, { file, index }, field, problems);
    if (object) objects.push(object);
    index++;
  };
  for (const p of parsed) {
    if ('error' in p) {
      const { line, column, reason } = p.error;
      problems.push({ file, index, field: '', message: `is not valid YAML${line === undefined ? '' : ` at line ${line + 1}, column ${(column ?? 0) + 1}`}: ${reason}` });
      index++;
    } else {
      for (const doc of p.values) add(doc, '');
    }
  }
  return { objects, problems };
}

/** Wraps objects that came from code (a cdk8s chart) with a source label. */
export function fromObjects(objects: readonly KubeObject[], label: string): LoadResult {
  const problems: InputProblem[] = [];
  const checked = objects.map((o, index) => checkedObject(o, { file: label, index }, '', problems));
  return { objects: checked.filter((o): o is SourcedObject => o !== undefined), problems };
}

/**
 * An object with its source when it has what the analysis relies on: an
 * apiVersion and a kind, and metadata whose name and namespace are strings,
 * labels a map and owner references objects (absent metadata reads as
 * empty); otherwise a problem naming the field, and undefined. Every loader
 * passes its objects through here, so nothing after it checks them again.
 */
function checkedObject(o: { apiVersion?: unknown; kind?: unknown; metadata?: unknown }, source: Source, field: string, problems: InputProblem[]): SourcedObject | undefined {
  const problem = (at: string, message: string) => { problems.push({ ...source, field: at, message }); return undefined; };
  if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') return problem(field, 'has no apiVersion or kind');
  if (o.metadata === undefined) return { object: { ...(o as KubeObject), metadata: {} }, ...source };
  const m = o.metadata as { [key: string]: unknown };
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return problem('metadata', 'is not an object');
  for (const key of ['name', 'namespace']) if (m[key] !== undefined && typeof m[key] !== 'string') return problem(`metadata.${key}`, 'is not a string');
  if (m.labels !== undefined && m.labels !== null && (typeof m.labels !== 'object' || Array.isArray(m.labels))) return problem('metadata.labels', 'is not a map of strings');
  const owners = m.ownerReferences;
  if (owners !== undefined && (!Array.isArray(owners) || owners.some((r) => typeof r !== 'object' || r === null))) return problem('metadata.ownerReferences', 'is not a list of objects');
  return { object: o as KubeObject, ...source };
}
