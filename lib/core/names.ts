/**
 * Kubernetes name, label and port-name rules, as the API server applies them
 * (k8s.io/apimachinery/pkg/util/validation). Pure functions: each returns
 * `undefined` when the input is valid, or the reason it is not.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/**
 * `text` made into a DNS-1123 label: lowercase, every run of other characters
 * turned into one "-", no "-" at either end, at most `maxLength` characters.
 * Empty when nothing is left (callers give their own fallback).
 */
export function toDnsLabel(text: string, maxLength = 63): string {
  return text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '').slice(0, maxLength).replace(/-$/, '');
}

/** Why `name` is not a DNS-1123 label (namespaces, service names), or undefined. */
export function dns1123LabelError(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 63) return `is ${name.length} characters long, over the limit of 63`;
  if (!DNS1123_LABEL.test(name)) return 'is not a DNS-1123 label (lowercase letters, digits and "-", starting and ending with a letter or digit)';
  return undefined;
}

/** Why `name` is not a DNS-1123 subdomain (most object names), or undefined. */
export function dns1123SubdomainError(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 253) return `is ${name.length} characters long, over the limit of 253`;
  if (!DNS1123_SUBDOMAIN.test(name)) return 'is not a DNS-1123 subdomain (lowercase letters, digits, "-" and ".", each part starting and ending with a letter or digit)';
  return undefined;
}

/** Why `key` is not a valid label key (`[prefix/]name`), or undefined. */
export function labelKeyError(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined) {
    const prefixError = dns1123SubdomainError(prefix);
    if (prefixError) return `has a prefix "${prefix}" that ${prefixError}`;
  }
  if (name.length === 0) return 'has an empty name part';
  if (name.length > 63) return `has a name part of ${name.length} characters, over the limit of 63`;
  if (!QUALIFIED_NAME_PART.test(name)) return 'is not a qualified name (letters, digits, "-", "_" and ".", starting and ending with a letter or digit)';
  return undefined;
}

/** Why `value` is not a valid label value, or undefined. */
export function labelValueError(value: string): string | undefined {
  if (value.length > 63) return `is ${value.length} characters long, over the limit of 63`;
  if (!LABEL_VALUE.test(value)) return 'is not a valid label value (letters, digits, "-", "_" and ".", starting and ending with a letter or digit, or empty)';
  return undefined;
}

/** Why `name` is not a valid named port (IANA_SVC_NAME), or undefined. */
export function portNameError(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > 15) return `is ${name.length} characters long, over the limit of 15`;
  if (!IANA_SVC_NAME.test(name)) return 'is not an IANA service name (lowercase letters, digits and "-")';
  if (name.includes('--')) return 'contains "--"';
  if (!/[a-z]/.test(name)) return 'has no letter';
  return undefined;
}

/** Why `port` is not a port number 1-65535, or undefined. */
export function portNumberError(port: number): string | undefined {
  if (!Number.isInteger(port)) return 'is not a whole number';
  if (port < 1 || port > 65535) return 'is out of range 1-65535';
  return undefined;
}
