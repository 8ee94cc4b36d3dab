import { makeWorkload } from './inventory';
import { Endpoint } from './model';
import { compileLabelSelector, Labels, LabelSelectorJson } from './selectors';

/**
 * A peer that may exist outside the input: pods a rule admits by selector
 * in namespaces chosen by labels (or in every namespace), as np-guard's
 * netpol-analyzer "representative peers" stand for the pods and namespaces
 * a policy set leaves open.
 */
export interface Representative {
  /** The pod labels its selector requires. */
  readonly labels: Labels;
  /** The namespace labels its selector requires. */
  readonly nsLabels: Labels;
  /** A namespace the selector names, or undefined for any namespace with `nsLabels`. */
  readonly namespace?: string;
  /** For people: `pods with app=web in namespaces with team=y`. */
  readonly text: string;
}

const NAME_LABEL = 'kubernetes.io/metadata.name';
/** The namespace a representative stands in when the selector names none: no input namespace has this name (it is not a DNS label). */
export const ANY_NAMESPACE = '(any namespace)';
/** A value for labels a selector only requires to exist. */
const ANY_VALUE = 'any-value';

/**
 * The labels a label selector requires: `matchLabels`, the first value of
 * `In`, a placeholder for `Exists`; `NotIn` and `DoesNotExist` require none.
 * Undefined when the selector cannot be read or no labels satisfy it.
 */
export function requiredLabels(selector: unknown): Labels | undefined {
  if (selector === undefined || selector === null) return {};
  if (typeof selector !== 'object') return undefined;
  const s = selector as LabelSelectorJson;
  const out: { [key: string]: string } = {};
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (typeof v === 'string') out[k] = v;
  for (const e of s.matchExpressions ?? []) {
    if (typeof e.key !== 'string') return undefined;
    const key = e.key;
    if (e.operator === 'In' && Array.isArray(e.values) && e.values.length > 0 && out[key] === undefined) out[key] = String(e.values[0]);
    if (e.operator === 'Exists' && out[key] === undefined) out[key] = ANY_VALUE;
  }
  try {
    return compileLabelSelector(selector)(out) ? out : undefined;
  } catch {
    return undefined;
  }
}

/** `k=v, k2=v2`, or `any labels`. */
function show(labels: Labels): string {
  const entries = Object.entries(labels).filter(([k]) => k !== NAME_LABEL);
  return entries.length === 0 ? '' : entries.map(([k, v]) => (v === ANY_VALUE ? k : `${k}=${v}`)).join(', ');
}

/**
 * The representative of a pod selector in namespaces chosen by a namespace
 * selector (Kubernetes peers, admin policies' pods/namespaces peers).
 * Undefined when no pod or namespace can satisfy them.
 */
export function representative(podSelector: unknown, nsSelector: unknown): Representative | undefined {
  const labels = requiredLabels(podSelector);
  const nsLabels = requiredLabels(nsSelector);
  if (!labels || !nsLabels) return undefined;
  return make(labels, nsLabels);
}

/** A representative from required pod and namespace labels; a required namespace name names the namespace. */
export function make(labels: Labels, nsLabels: Labels): Representative {
  const namespace = nsLabels[NAME_LABEL];
  const pods = show(labels) ? `pods with ${show(labels)}` : 'any pod';
  const where = namespace ? `in namespace ${namespace}` : show(nsLabels) ? `in namespaces with ${show(nsLabels)}` : 'in any namespace';
  return { labels, nsLabels, namespace, text: `${pods} ${where}` };
}

/** Every pod of the cluster, in any namespace. */
export const ENTIRE_CLUSTER: Representative = { labels: {}, nsLabels: {}, text: 'the entire cluster (any pod in any namespace)' };

/** The endpoint a representative stands for, to evaluate policies against. */
export function representativeEndpoint(r: Representative): Endpoint {
  const namespace = r.namespace ?? ANY_NAMESPACE;
  return makeWorkload(-1, `(${r.text})`, 'Representative', namespace, r.labels, { ...r.nsLabels, [NAME_LABEL]: namespace }, [], undefined, undefined);
}
