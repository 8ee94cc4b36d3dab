import { Chart } from 'cdk8s';
import { KubeObject } from '../manifests/types';
import { Analysis, AnalysisOptions } from './analysis';
import { explain, findEndpoint, parsePortSpec } from './explain';
import { exposure, Exposure } from './exposure';
import { fromObjects } from './load';

/**
 * Connectivity assertions for tests: synthesize charts (policies and
 * workloads), then assert what may talk to what. Failures explain the verdict.
 *
 * ```ts
 * const net = Connectivity.of([policies, workloads]);
 * net.assertAllowed('tenant-a/cloudify-manager', 'tenant-a/postgres', '5432/TCP');
 * net.assertDenied('tenant-a/cloudify-manager', 'tenant-b/postgres', '5432/TCP');
 * ```
 */
export class Connectivity {
  /** Analyzes cdk8s charts and any extra objects (such as a kube-dns Deployment). */
  public static of(charts: readonly Chart[], extra: readonly KubeObject[] = [], options: AnalysisOptions = {}): Connectivity {
    const objects = [...charts.flatMap((c) => c.toJson() as KubeObject[]), ...extra];
    return new Connectivity(Analysis.of(fromObjects(objects, '<charts>'), options));
  }

  constructor(
    /** The analysis the assertions read. */
    public readonly analysis: Analysis,
  ) {
    if (analysis.problems.length > 0) {
      throw new Error(`the manifests have problems:\n${analysis.problems.map((p) => `- ${p.file}#${p.index} ${p.field}: ${p.message}`).join('\n')}`);
    }
  }

  /** Whether `src` may open `port` (such as `5432/TCP`) to `dst`. Ends are workload ids or IP addresses. */
  public isAllowed(src: string, dst: string, port: string): boolean {
    const p = parsePortSpec(port);
    return explain(this.analysis, findEndpoint(this.analysis, src), findEndpoint(this.analysis, dst), p.port, p.protocol).allowed;
  }

  /**
   * What the policies leave open toward peers outside the manifests: the
   * entire cluster, pods of namespaces chosen by labels, the internet.
   * Assert on it to keep a workload closed:
   * `expect(net.exposure().filter((e) => e.workload === 'tenant-a/postgres')).toEqual([])`.
   */
  public exposure(): Exposure[] {
    return exposure(this.analysis);
  }

  /** Throws, with the explanation, unless `src` may open `port` to `dst`. */
  public assertAllowed(src: string, dst: string, port: string): void {
    this.assert(src, dst, port, true);
  }

  /** Throws, with the explanation, if `src` may open `port` to `dst`. */
  public assertDenied(src: string, dst: string, port: string): void {
    this.assert(src, dst, port, false);
  }

  private assert(src: string, dst: string, port: string, expected: boolean): void {
    const p = parsePortSpec(port);
    const result = explain(this.analysis, findEndpoint(this.analysis, src), findEndpoint(this.analysis, dst), p.port, p.protocol);
    if (result.allowed !== expected) {
      const error = new Error(`expected ${src} -> ${dst} ${port} to be ${expected ? 'allowed' : 'denied'}, but it is ${result.allowed ? 'allowed' : 'denied'}:\n${result.text}`);
      Error.captureStackTrace?.(error, expected ? this.assertAllowed : this.assertDenied);
      throw error;
    }
  }
}
