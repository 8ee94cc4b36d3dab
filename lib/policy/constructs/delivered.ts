import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { fail } from '../../core/errors';

/** Charts already handed to a delivery, with what delivered them. */
const DELIVERED = new WeakMap<Chart, string>();

/** The chart that holds `scope`, if any. */
function chartOf(scope: IConstruct): Chart | undefined {
  return scope.node.scopes.slice().reverse().find((s): s is Chart => s instanceof Chart);
}

/**
 * Records that `chart` was rendered and delivered by `deliveredBy` (a
 * construct path). Its objects were written then: anything added later would
 * never reach the cluster.
 */
export function markDelivered(chart: Chart, deliveredBy: string): void {
  if (!DELIVERED.has(chart)) DELIVERED.set(chart, deliveredBy);
}

/** What delivered the chart, if it was. */
export function deliveredBy(chart: Chart): string | undefined {
  return DELIVERED.get(chart);
}

/**
 * Fails when `scope` sits in a chart that was already delivered: the object
 * about to be added would be silently dropped.
 */
export function assertNotDelivered(scope: IConstruct, what: string): void {
  const chart = chartOf(scope);
  const by = chart ? DELIVERED.get(chart) : undefined;
  if (chart && by) {
    fail({
      path: scope.node.path,
      property: what,
      value: chart.node.id,
      problem: `is added to chart "${chart.node.id}" after ${by} delivered it, so it would never reach the cluster`,
      fix: 'add every namespace, policy and rule before passing the chart to addPolicies / PolicyDelivery (or writeGitOps)',
    });
  }
}
