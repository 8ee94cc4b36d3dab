/** A JSON-like object, as Helm values and add-on configurations are. */
export interface JsonObject {
  readonly [key: string]: unknown;
}

/** Whether `value` is a JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Deep-merges `override` into `base` and returns a new object: nested objects
 * merge key by key, while arrays and scalars in `override` replace those in
 * `base`. This is how Helm combines values files, so a raw `values` escape hatch
 * behaves as users expect from `helm -f`.
 */
export function deepMerge(base: JsonObject, override: JsonObject | undefined): JsonObject {
  if (!override) return base;
  const result: { [key: string]: unknown } = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = result[key];
    result[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return result;
}

/** Reads a nested value by path (`['cni', 'chainingMode']`), or undefined. */
export function getPath(object: JsonObject, path: readonly string[]): unknown {
  let current: unknown = object;
  for (const key of path) {
    if (!isPlainObject(current)) return undefined;
    current = current[key];
  }
  return current;
}
