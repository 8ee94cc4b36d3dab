import { Chart, ChartProps } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { fail, Problems } from '../../core/errors';
import { ClusterNetwork } from '../network';
import { PolicyTarget } from '../target';

/** Properties of a `PolicyChart`. */
export interface PolicyChartProps extends ChartProps {
  /**
   * The engine the chart's policies are written for. Take it from the cluster
   * (`cluster.engine.target`, `PolicyEngineInstallation.of(cluster).target`)
   * or pick a preset for GitOps output.
   */
  readonly target: PolicyTarget;
  /**
   * The cluster's pod address blocks (`SecuredCluster.network`), left out of
   * every internet peer of the chart: the VPC CNI gives pods VPC addresses,
   * which Calico `nets` and Kubernetes `ipBlock` match. Delivering a chart
   * with internet peers to a cluster whose pod blocks it does not exclude is
   * a synth error.
   * @default - none besides RFC 1918, 100.64.0.0/10, link-local and IPv6 unique-local
   */
  readonly network?: ClusterNetwork;
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
  /** The cluster network the chart's internet peers leave out, if given. */
  public readonly network?: ClusterNetwork;
  private internetPeers = false;

  constructor(scope: Construct, id: string, props: PolicyChartProps) {
    super(scope, id, props);
    this.target = props.target;
    this.network = props.network;
    const problems = new Problems();
    props.network?.validate(problems, this.node.path);
    problems.throwIfAny();
  }

  /** Whether a policy of the chart names the internet. */
  public get hasInternetPeers(): boolean {
    return this.internetPeers;
  }

  /** Records that a policy of the chart names the internet. @internal */
  public _markInternetPeers(): void {
    this.internetPeers = true;
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
