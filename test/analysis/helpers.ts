import { Analysis, loadText } from 'eks-zero-trust/analysis';

/** A Deployment in YAML. */
export function deployment(ns: string, name: string, labels: { [k: string]: string }, ports: string = ''): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: ${ns} }
spec:
  template:
    metadata: { labels: ${JSON.stringify(labels)} }
    spec:
      containers:
        - name: c
          ports: [${ports}]
`;
}

/** Analyzes YAML documents joined with `---`. */
export function analyze(...docs: string[]): Analysis {
  return Analysis.of(loadText(docs.join('\n---\n'), 'input.yaml'));
}

/** The allowed ports from src to dst as text ("nothing" when denied). */
export function allowed(a: Analysis, src: string, dst: string): string {
  const s = a.workload(src) ?? a.external(src);
  const d = a.workload(dst) ?? a.external(dst);
  if (!s || !d) throw new Error(`unknown endpoint ${!s ? src : dst}`);
  return a.verdict(s, d).allowed.toString();
}

export const NS = (name: string, labels: { [k: string]: string } = {}) => `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${name}, labels: ${JSON.stringify(labels)} }\n`;
