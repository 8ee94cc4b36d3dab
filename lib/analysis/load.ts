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

/** Lists manifest files under the paths: files as given, directories recursively, sorted. */
export function manifestFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const stat = fs.statSync(p);
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(p).sort()) {
        if (entry === 'node_modules' || entry.startsWith('.')) continue;
        const child = path.join(p, entry);
        if (fs.statSync(child).isDirectory() || MANIFEST_EXTENSIONS.includes(path.extname(entry))) walk(child);
      }
    } else {
      out.push(p);
    }
  };
  for (const p of paths) walk(p);
  return out;
}

/** Reads YAML or JSON files (multi-document, `kind: List`, top-level arrays) into objects. */
export function loadFiles(paths: readonly string[]): LoadResult {
  const objects: SourcedObject[] = [];
  const problems: InputProblem[] = [];
  for (const file of manifestFiles(paths)) {
    const result = loadText(fs.readFileSync(file, 'utf8'), file);
    objects.push(...result.objects);
    problems.push(...result.problems);
  }
  return { objects, problems };
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
  const add = (doc: unknown, field: string) => {
    if (doc === null || doc === undefined) return;
    if (Array.isArray(doc)) { doc.forEach((d, i) => add(d, `${field}[${i}]`)); return; }
    if (typeof doc !== 'object') {
      problems.push({ file, index, field, message: 'is not a Kubernetes object' });
      index++;
      return;
    }
    const o = doc as { apiVersion?: unknown; kind?: unknown; items?: unknown; metadata?: unknown };
    if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) {
      o.items.forEach((item, i) => add(item, `items[${i}]`));
      return;
    }
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') {
      problems.push({ file, index, field, message: 'has no apiVersion or kind' });
      index++;
      return;
    }
    if (o.metadata !== undefined && (typeof o.metadata !== 'object' || o.metadata === null)) {
      problems.push({ file, index, field: 'metadata', message: 'is not an object' });
      index++;
      return;
    }
    objects.push({ object: o.metadata === undefined ? { ...(o as KubeObject), metadata: {} } : o as KubeObject, file, index });
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
  return { objects: objects.map((object, index) => ({ object, file: label, index })), problems: [] };
}
