import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { KubeObject } from '../manifests/types';

/** The charts of a cdk8s app, or some charts. */
export function chartsOf(source: App | readonly Chart[]): Chart[] {
  if (Array.isArray(source)) return [...source];
  return (source as App).node.children.filter((c): c is Chart => c instanceof Chart);
}

/**
 * The objects of a chart, in cdk8s order (dependencies first), exactly what
 * `chart.toJson()` returns. When dependencies are only between the chart's
 * own ApiObjects (as the policy constructs make them), the order is computed
 * here, the way cdk8s computes it, without cdk8s's app-wide dependency
 * inference and cycle search per edge: at thousands of namespaces that was
 * most of the time. Anything else goes to `chart.toJson()`.
 */
export function chartObjects(chart: Chart): KubeObject[] {
  const all = chart.node.findAll();
  if (!onlyApiObjectDependencies(chart, all)) return chart.toJson() as KubeObject[];
  const errors = all.flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
  if (errors.length > 0) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  return dependencyOrder(all).filter((c): c is ApiObject => c instanceof ApiObject).map((o) => o.toJson() as KubeObject);
}

function onlyApiObjectDependencies(chart: Chart, all: readonly IConstruct[]): boolean {
  return all.every((c) => (c === chart || !(c instanceof Chart)) && (c.node.dependencies.length === 0 || (c instanceof ApiObject && c.node.dependencies.every((d) => d instanceof ApiObject))));
}

/**
 * cdk8s's order: roots (constructs nothing in the chart depends on) in tree
 * order, each followed after its dependencies, depth first; dependencies
 * outside the chart are ignored.
 */
function dependencyOrder(all: readonly IConstruct[]): IConstruct[] {
  const inChart = new Set(all);
  const dependents = new Set<IConstruct>();
  for (const c of all) for (const d of c.node.dependencies) if (inChart.has(d)) dependents.add(d);
  const out: IConstruct[] = [];
  const done = new Set<IConstruct>();
  const visiting = new Set<IConstruct>();
  const visit = (c: IConstruct) => {
    if (done.has(c)) return;
    if (visiting.has(c)) throw new Error(`Dependency cycle detected at ${c.node.path}`);
    visiting.add(c);
    for (const d of new Set(c.node.dependencies)) if (inChart.has(d)) visit(d);
    visiting.delete(c);
    done.add(c);
    out.push(c);
  };
  for (const c of all) if (!dependents.has(c)) visit(c);
  for (const c of all) visit(c); // only a cycle leaves anything unvisited: this finds it
  return out;
}

export { toYaml } from './yaml';

/** Whether the object belongs before policies: namespaces, tiers, RBAC and other non-policy objects. */
export function isFoundation(object: KubeObject): boolean {
  return !/(NetworkPolicy|NetworkPolicies)$/.test(object.kind);
}
