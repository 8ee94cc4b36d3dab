/**
 * L7 rules as short text for outputs: `http GET /health`, `dns *.example.com`.
 * The analyzer does not evaluate L7 rules; it shows them on the connections
 * they restrict.
 */

type Json = { [key: string]: unknown };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Cilium `toPorts[].rules` of one kind (cilium pkg/policy/api/l7.go: `http`
 * PortRuleHTTP method/path/host, `dns` PortRuleDNS matchName/matchPattern,
 * `kafka`, `l7proto`/`l7`), one text per rule.
 */
export function describeCiliumL7(kind: string, rules: unknown): string[] {
  const items = Array.isArray(rules) ? rules : [rules];
  return items.map((raw) => {
    const r = (raw && typeof raw === 'object' ? raw : {}) as Json;
    if (kind === 'http') {
      const parts = [str(r.method) ?? '*', str(r.path) ?? '/*'];
      if (str(r.host)) parts.push(`host ${r.host as string}`);
      if (Array.isArray(r.headers) && r.headers.length > 0) parts.push(`headers ${r.headers.map(String).join(', ')}`);
      return `http ${parts.join(' ')}`;
    }
    if (kind === 'dns') return `dns ${str(r.matchName) ?? str(r.matchPattern) ?? '*'}`;
    if (kind === 'kafka') return `kafka ${[str(r.role) ?? str(r.apiKey) ?? 'any', str(r.topic) ? `topic ${r.topic as string}` : ''].filter(Boolean).join(' ')}`;
    return `${kind} ${JSON.stringify(raw)}`;
  });
}

/**
 * A Calico rule's `http` match (projectcalico/api HTTPMatch: `methods`, and
 * `paths` of `exact` or `prefix`).
 */
export function describeCalicoHttp(http: unknown): string {
  const h = (http && typeof http === 'object' ? http : {}) as Json;
  const methods = Array.isArray(h.methods) && h.methods.length > 0 ? h.methods.map(String).join('|') : '*';
  const paths = Array.isArray(h.paths) && h.paths.length > 0
    ? h.paths.map((p) => { const x = (p && typeof p === 'object' ? p : {}) as Json; return str(x.exact) ?? (str(x.prefix) ? `${x.prefix as string}*` : '*'); }).join('|')
    : '/*';
  return `http ${methods} ${paths}`;
}
