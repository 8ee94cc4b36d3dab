/** The HTML report: one self-contained file; input text cannot break out of its data or markup. */
import { htmlReport } from 'eks-zero-trust/analysis';
import { analyze, deployment, NS } from './helpers';

const np = 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: db-in, namespace: a }\nspec:\n  podSelector: { matchLabels: { app: db } }\n  ingress: [{ from: [{ podSelector: { matchLabels: { app: web } } }], ports: [{ port: 5432 }] }]\n';

test('the report is one file: inline style, script and data, no external resource', () => {
  const html = htmlReport(analyze(NS('a'), deployment('a', 'web', { app: 'web' }), deployment('a', 'db', { app: 'db' }), np), { title: 'T' });
  expect(html).toMatch(/^<!doctype html>/);
  expect(html).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
  expect(html).toContain("Content-Security-Policy\" content=\"default-src 'none'");
  const data = JSON.parse(/<script type="application\/json" id="data">([\s\S]*?)<\/script>/.exec(html)![1]);
  expect(data.connections).toContainEqual(expect.objectContaining({ src: 'a/web', dst: 'a/db', ports: 'TCP 5432', verdict: 'allowed' }));
  expect(data.workloads.map((w: { id: string }) => w.id)).toEqual(['a/db', 'a/web']);
});

test('names from the input cannot close the data script or inject markup', () => {
  const evil = 'x</script><script>alert(1)</script>';
  const html = htmlReport(analyze(`apiVersion: v1\nkind: Namespace\nmetadata: { name: ${JSON.stringify(evil)} }\n`, deployment(JSON.stringify(evil), 'web', { app: 'web' })), { title: '<b>t</b>' });
  expect(html.match(/<\/script>/g)).toHaveLength(2);
  expect(html).toContain('<title>&#60;b&#62;t&#60;/b&#62;</title>');
});
