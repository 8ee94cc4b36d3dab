import { Stack } from 'aws-cdk-lib';
import { KubeObject } from '../manifests/types';
import { toYaml } from './manifest-set';
import { PolicyDelivery } from './policy-delivery';

/**
 * What a stack delivers to its clusters, readable: the Kubernetes objects of
 * every policy release, by release name. A template snapshot shows a policy
 * release only as a chart-asset hash; snapshot this instead, so a policy
 * change reads as the rule that changed.
 *
 * ```ts
 * const manifests = PolicyManifests.fromStack(stack);
 * expect(manifests.toYaml()).toMatchSnapshot();
 * expect(manifests.release('tenant-policies').map((o) => o.kind)).toContain('NetworkPolicy');
 * ```
 */
export class PolicyManifests {
  /**
   * The policy deliveries of `stack` (through `SecuredCluster.addPolicies`,
   * `PolicyEngineInstallation.addPolicies` or `PolicyDelivery`), in
   * construct order. Nested stacks are read too.
   */
  public static fromStack(stack: Stack): PolicyManifests {
    const releases = new Map<string, readonly KubeObject[]>();
    for (const delivery of PolicyDelivery.allIn(stack)) {
      for (const { name, objects } of delivery.delivered) {
        const key = releases.has(name) ? `${name} (${delivery.node.path})` : name;
        releases.set(key, objects);
      }
    }
    return new PolicyManifests(releases);
  }

  private constructor(private readonly byRelease: ReadonlyMap<string, readonly KubeObject[]>) {}

  /** The release names, sorted. */
  public get releaseNames(): string[] {
    return [...this.byRelease.keys()].sort();
  }

  /** The objects of one release, in order; throws when the stack delivers no such release. */
  public release(name: string): readonly KubeObject[] {
    const objects = this.byRelease.get(name);
    if (!objects) throw new Error(`no policy release "${name}" in the stack; it delivers ${this.releaseNames.join(', ') || 'none'}`);
    return objects;
  }

  /** Every delivered object, release by release (sorted by name). */
  public get objects(): KubeObject[] {
    return this.releaseNames.flatMap((n) => [...this.byRelease.get(n)!]);
  }

  /** The releases as JSON (`{ release: [objects] }`), sorted by release: what jest prints in a snapshot. */
  public toJSON(): { [release: string]: readonly KubeObject[] } {
    return Object.fromEntries(this.releaseNames.map((n) => [n, this.byRelease.get(n)!]));
  }

  /** The releases as one YAML text, each headed by a `# release: NAME` comment: stable and diffable. */
  public toYaml(): string {
    return this.releaseNames.map((n) => `# release: ${n}\n${toYaml(this.byRelease.get(n)!)}`).join('---\n');
  }
}
