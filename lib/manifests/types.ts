/** A JSON value as Kubernetes manifests hold them. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The metadata this library reads and writes. */
export interface ObjectMeta {
  /** The object name. */
  name?: string;
  /** The namespace, for namespaced kinds. */
  namespace?: string;
  /** Labels. */
  labels?: { [key: string]: string };
  /** Annotations. */
  annotations?: { [key: string]: string };
  /** Owner references (read for pods owned by controllers). */
  ownerReferences?: { kind: string; name: string; controller?: boolean }[];
}

/** One Kubernetes object as plain JSON. */
export interface KubeObject {
  /** The API group and version. */
  apiVersion: string;
  /** The kind. */
  kind: string;
  /** The metadata. */
  metadata: ObjectMeta;
  /** Everything else: `spec`, `rules`, `data` and so on. */
  [key: string]: JsonValue | ObjectMeta | undefined;
}
