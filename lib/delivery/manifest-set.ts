import { App, Chart } from 'cdk8s';
import * as yaml from 'js-yaml';
import { KubeObject } from '../manifests/types';

/** The charts of a cdk8s app, or some charts. */
export function chartsOf(source: App | readonly Chart[]): Chart[] {
  if (Array.isArray(source)) return [...source];
  return (source as App).node.children.filter((c): c is Chart => c instanceof Chart);
}

/** The objects of a chart, in cdk8s order (dependencies first). */
export function chartObjects(chart: Chart): KubeObject[] {
  return chart.toJson() as KubeObject[];
}

/** Objects as one multi-document YAML text, keys in cdk8s order. */
export function toYaml(objects: readonly KubeObject[]): string {
  return objects.map((o) => yaml.dump(o, { noRefs: true, lineWidth: -1, quotingType: '"' })).join('---\n');
}

/** Whether the object belongs before policies: namespaces, tiers, RBAC and other non-policy objects. */
export function isFoundation(object: KubeObject): boolean {
  return !/(NetworkPolicy|NetworkPolicies)$/.test(object.kind);
}
