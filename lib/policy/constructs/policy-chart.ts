import { Chart, ChartProps } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { fail } from '../../core/errors';
import { PolicyTarget } from '../target';

/** Properties of a `PolicyChart`. */
export interface PolicyChartProps extends ChartProps {
  /**
   * The engine the chart's policies are written for. Take it from the cluster
   * (`cluster.engine.target`, `PolicyEngineInstallation.of(cluster).target`)
   * or pick a preset for GitOps output.
   */
  readonly target: PolicyTarget;
}

/**
 * A cdk8s chart of policies for one engine. Policy constructs inside it
 * render for its target unless given their own.
 */
export class PolicyChart extends Chart {
  /** The nearest `PolicyChart` that holds `scope`, if any. */
  public static enclosing(scope: IConstruct): PolicyChart | undefined {
    return scope.node.scopes.slice().reverse().find((s): s is PolicyChart => s instanceof PolicyChart);
  }

  /** The engine the chart's policies are written for. */
  public readonly target: PolicyTarget;

  constructor(scope: Construct, id: string, props: PolicyChartProps) {
    super(scope, id, props);
    this.target = props.target;
  }
}

/** The target a policy construct renders for: its own, or its chart's. */
export function resolveTarget(scope: IConstruct, own: PolicyTarget | undefined): PolicyTarget {
  const target = own ?? PolicyChart.enclosing(scope)?.target;
  if (!target) {
    fail({ path: scope.node.path, property: 'target', value: undefined, problem: 'is missing, and no enclosing PolicyChart gives one', fix: 'pass target (for example cluster.engine.target or PolicyTarget.CALICO), or create the construct inside a PolicyChart' });
  }
  return target;
}
