/** Labels of a workload, as `key: value`. */
export type Labels = { readonly [key: string]: string };

/** The transport protocols the recommender writes rules for. */
export type FlowProtocol = 'TCP' | 'UDP' | 'SCTP';

/** Something outside the workloads that a flow came from or went to. */
export type ExternalKind =
  /** An address (`ip`), with the DNS names it was reached by when known. */
  | 'address'
  /** The Kubernetes API server. */
  | 'api-server'
  /** Some public address (Calico reports public peers without their address). */
  | 'public'
  /** Some private address (Calico reports private peers without their address). */
  | 'private';

/** One end of an observed flow. */
export type FlowEnd =
  | {
    readonly kind: 'workload';
    readonly namespace: string;
    /** The workload's stable labels (hashes and engine labels removed). */
    readonly labels: Labels;
    /** A readable name: the owning workload's name when the flow says it. */
    readonly name: string;
  }
  | {
    readonly kind: ExternalKind;
    /** The address, for `address`. */
    readonly ip?: string;
    /** DNS names the address was looked up by (Cilium with DNS visibility). */
    readonly names?: readonly string[];
  };

/** One observed connection attempt (or an aggregate of many), from any source. */
export interface ObservedFlow {
  /** Who opened the connection. */
  readonly src: FlowEnd;
  /** Who accepted (or would have accepted) it. */
  readonly dst: FlowEnd;
  /** The transport protocol. */
  readonly protocol: FlowProtocol;
  /** The destination port. */
  readonly port: number;
  /** Whether the traffic got through (forwarded, or only audited). */
  readonly allowed: boolean;
}

/** What a reader makes of one line: a flow, a line to skip (with why), or a problem. */
export type LineResult =
  | { readonly flow: ObservedFlow }
  /** Several flows on one line (a page of results). */
  | { readonly flows: readonly ObservedFlow[] }
  | { readonly skip: string }
  | { readonly error: string };

/**
 * Label keys that change from pod to pod or release to release, or that the
 * engines add: never part of a workload's identity.
 */
const UNSTABLE_KEYS = new Set([
  'pod-template-hash',
  'controller-revision-hash',
  'pod-template-generation',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'controller-uid',
  'batch.kubernetes.io/controller-uid',
  'job-name',
  'batch.kubernetes.io/job-name',
  'kubernetes.io/metadata.name',
]);
const UNSTABLE_PREFIXES = ['io.kubernetes.', 'io.cilium.', 'projectcalico.org/', 'security.istio.io/', 'service.istio.io/'];

/**
 * The label keys that name a workload, most preferred first: when a workload
 * carries any of them, its identity is just those (short selectors that
 * survive a redeploy); otherwise every stable label is used.
 */
export const DEFAULT_IDENTITY_KEYS: readonly string[] = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/component',
  'app',
  'k8s-app',
  'name',
  'component',
];

/** Whether a label key is stable (not a hash, not added by an engine). */
export function isStableKey(key: string): boolean {
  return !UNSTABLE_KEYS.has(key) && !UNSTABLE_PREFIXES.some((p) => key.startsWith(p));
}

/**
 * A workload's identity from all its labels: the identity keys it carries,
 * or else every stable label. Keys are sorted, so equal identities compare
 * equal as text.
 */
export function identityLabels(all: Labels, identityKeys: readonly string[] = DEFAULT_IDENTITY_KEYS): Labels {
  const chosen = identityKeys.filter((k) => all[k] !== undefined);
  const keys = chosen.length > 0 ? chosen : Object.keys(all).filter(isStableKey);
  const out: { [key: string]: string } = {};
  for (const k of keys.sort()) out[k] = all[k];
  if (keys.length === 0) {
    // A Job's pods carry only the Job's own labels (job-name, controller-uid):
    // a Job that is not a CronJob's has a fixed name, which then identifies
    // them. A CronJob's Jobs are named per run: nothing stable is left.
    const job = JOB_NAME_KEYS.find((k) => all[k] !== undefined);
    if (job && !isCronJobRun(all[job])) out[job] = all[job];
  }
  return out;
}

/** The labels Kubernetes puts on a Job's pods with the Job's name. */
const JOB_NAME_KEYS = ['batch.kubernetes.io/job-name', 'job-name'];

/** A Job a CronJob started: `<cronjob>-<minutes since the epoch>` (kubernetes pkg/controller/cronjob getJobName). */
function isCronJobRun(jobName: string): boolean {
  return /-[0-9]{8,}$/.test(jobName);
}

/**
 * A readable name for a pod's owner from its labels: a Job's name, or for a
 * CronJob's run, the CronJob's (the run's time suffix removed); undefined
 * when the labels name no Job.
 */
export function jobOwnerName(all: Labels): string | undefined {
  const job = JOB_NAME_KEYS.map((k) => all[k]).find((v) => v !== undefined);
  if (job === undefined) return undefined;
  return isCronJobRun(job) ? job.replace(/-[0-9]{8,}$/, '') : job;
}

/** `k=v,k2=v2`, sorted: a workload identity as one string. */
export function labelsText(labels: Labels): string {
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',');
}

/** A readable workload name from a pod name: the generated suffixes removed. */
export function workloadNameFromPod(pod: string): string {
  if (pod.endsWith('-*')) {
    // Calico's aggregated names: the pods' generateName and a star.
    return pod.slice(0, -2).replace(/-(?=[a-z0-9]*[0-9])[a-z0-9]{8,10}$/, '');
  }
  return pod
    .replace(/-(?=[a-z0-9]*[0-9])[a-z0-9]{8,10}-[a-z0-9]{5}$/, '') // Deployment: name-<replicaset hash>-<pod suffix>
    .replace(/-[0-9]+$/, ''); // StatefulSet: name-<ordinal>
}
