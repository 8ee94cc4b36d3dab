import { IConstruct } from 'constructs';
import { appendTo } from '../core/collections';

/**
 * What the constructs of one cluster need to know about each other, found
 * whatever order they are created in: which delivery creates a namespace
 * (things in it come after), which Helm release names and objects are taken.
 */
interface ClusterEntry {
  /** Namespace -> the Helm release that creates it. */
  readonly namespaceCreators: Map<string, IConstruct>;
  /** Namespace -> constructs that need it, waiting for a creator. */
  readonly namespaceUsers: Map<string, IConstruct[]>;
  /** Release name -> the construct path that owns it. */
  readonly releases: Map<string, string>;
  /** Object key (`kind namespace/name`) -> the construct path that delivers it. */
  readonly objects: Map<string, string>;
}

const ENTRIES = new WeakMap<IConstruct, ClusterEntry>();

/** The registry of a cluster. */
export function clusterRegistry(cluster: IConstruct): ClusterEntry {
  let entry = ENTRIES.get(cluster);
  if (!entry) {
    entry = { namespaceCreators: new Map(), namespaceUsers: new Map(), releases: new Map(), objects: new Map() };
    ENTRIES.set(cluster, entry);
  }
  return entry;
}

/** Records that `creator` creates `namespace`; what already needs it now comes after. */
export function namespaceCreatedBy(cluster: IConstruct, namespace: string, creator: IConstruct): void {
  const entry = clusterRegistry(cluster);
  if (!entry.namespaceCreators.has(namespace)) entry.namespaceCreators.set(namespace, creator);
  for (const user of entry.namespaceUsers.get(namespace) ?? []) user.node.addDependency(creator);
}

/** Records that `user` lives in `namespace`: it comes after whatever creates the namespace. */
export function needsNamespace(cluster: IConstruct, namespace: string, user: IConstruct): void {
  const entry = clusterRegistry(cluster);
  appendTo(entry.namespaceUsers, namespace, user);
  const creator = entry.namespaceCreators.get(namespace);
  if (creator) user.node.addDependency(creator);
}
