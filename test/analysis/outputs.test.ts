/** What analyze prints: L7 restrictions and DNS-name egress in every format, names escaped. */
import { formatCsv, formatGraph, formatText } from '../../lib/analysis/format';
import { analyze, deployment, NS } from './helpers';

const base = [NS('a'), deployment('a', 'web', { app: 'web' }), deployment('a', 'db', { app: 'db' })];
const cnp = (name: string, spec: string) => `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: { name: ${name}, namespace: a }\nspec:\n${spec}`;
const policies = [
  cnp('db-in', "  endpointSelector: { matchLabels: { app: db } }\n  ingress: [{ fromEndpoints: [{ matchLabels: { app: web } }], toPorts: [{ ports: [{ port: '80', protocol: TCP }], rules: { http: [{ method: GET, path: /health }] } }] }]\n  egress: [{ toEndpoints: [{ matchLabels: { app: none } }] }]\n"),
  cnp('web-out', "  endpointSelector: { matchLabels: { app: web } }\n  egress:\n    - toEndpoints: [{ matchLabels: { app: db } }]\n    - toFQDNs: [{ matchName: api.github.com }]\n      toPorts: [{ ports: [{ port: '443', protocol: TCP }] }]\n"),
];

describe('L7 restrictions and DNS-name egress', () => {
  const a = analyze(...base, ...policies);

  test('text shows the L7 rule on its connection and the DNS name apart', () => {
    const text = formatText(a);
    expect(text).toContain('a/web -> a/db: TCP 80 [L7: http GET /health]\n');
    expect(text).toContain('a/web -> api.github.com (DNS name, resolved at run time): TCP 443\n');
    expect(text.split('\n')[0]).toBe('2 workloads, 2 allowed connections, 1 by DNS name');
  });

  test('CSV has an l7 column and dns: rows', () => {
    const csv = formatCsv(a).split('\n');
    expect(csv[0]).toBe('src,dst,protocol,ports,l7');
    expect(csv).toContain('a/web,a/db,TCP,80,http GET /health');
    expect(csv).toContain('a/web,dns:api.github.com,TCP,443,');
  });

  test('Mermaid and DOT label the edges and group names apart', () => {
    const mermaid = formatGraph(a, 'mermaid');
    expect(mermaid).toMatch(/subgraph s\d+\["\(DNS names\)"\]/);
    expect(mermaid).toMatch(/-->\|"TCP 80 #91;L7: http GET \/health#93;"\|/);
    const dot = formatGraph(a, 'dot');
    expect(dot).toContain('[label="TCP 80 [L7: http GET /health]"]');
    expect(dot).toContain('label="api.github.com"');
  });

  test('--focus keeps the DNS rows of the focused workload only', () => {
    expect(formatText(a, 'a/db')).not.toContain('api.github.com');
    expect(formatText(a, 'a/web')).toContain('api.github.com');
  });
});

describe('escaping', () => {
  test('a namespace name cannot inject Mermaid or DOT syntax', () => {
    const evil = 'x"] ; click n0 call alert()%%{init: {"theme":"dark"}}%%';
    const a = analyze(`apiVersion: v1\nkind: Namespace\nmetadata: { name: ${JSON.stringify(evil)} }\n`, deployment(JSON.stringify(evil), 'web', { app: 'web' }), deployment(JSON.stringify(evil), 'db', { app: 'db' }));
    const mermaid = formatGraph(a, 'mermaid');
    expect(mermaid).not.toContain('%%{');
    for (const line of mermaid.split('\n').filter((l) => l.includes('subgraph'))) expect(line).toMatch(/^ {2}subgraph s\d+\["[^"%{}]*"\]$/);
    for (const line of mermaid.split('\n').filter((l) => /^ {4}n\d/.test(l))) expect(line).toMatch(/^ {4}n\d+\["[^"%{}]*"\]$/);
    const dot = formatGraph(a, 'dot');
    expect(dot).toContain(`label="x\\"] ; click n0 call alert()%%{init: {\\"theme\\":\\"dark\\"}}%%";`);
  });
});
