import { PlanPeer, PlanPort, PlanRule, RecommendationPlan, RecommendEngine, RecommendMode } from './plan';
import { hasStagedKinds } from './render';

const TARGETS: { readonly [e in RecommendEngine]: string } = {
  [RecommendEngine.CALICO]: 'PolicyTarget.CALICO',
  [RecommendEngine.CILIUM]: 'PolicyTarget.CILIUM',
  [RecommendEngine.KUBERNETES]: 'PolicyTarget.KUBERNETES',
};

/**
 * The plan as TypeScript that uses this library's constructs, to review and
 * commit as code. Synthesizing it gives the same manifests as the
 * recommender's YAML.
 */
export function planToTypeScript(plan: RecommendationPlan, mode: RecommendMode, summary: readonly string[]): string {
  const staged = mode === RecommendMode.STAGED && hasStagedKinds(plan.engine);
  const lines: string[] = [];
  lines.push('// Recommended by `eks-zero-trust recommend` from observed flows. Review, then commit.');
  for (const s of summary) lines.push(`// ${s}`);
  lines.push("import { App } from 'cdk8s';");
  lines.push("import { Construct } from 'constructs';");
  const importsAt = lines.length;
  lines.push('');
  lines.push('/** Adds the recommended policies: per namespace, default deny, DNS and one policy per workload. */');
  lines.push('export function addRecommendedPolicies(scope: Construct): void {');
  plan.namespaces.forEach((ns, i) => {
    const v = `ns${i}`;
    lines.push(`  const ${v} = new ZeroTrustNamespace(scope, ${q(ns.name)}, { create: false${staged ? ', staged: true' : ''} });`);
    for (const w of ns.workloads) {
      lines.push(`  ${v}.addWorkloadPolicy(${q(w.name)}, {`);
      lines.push(`    pods: ${obj(w.labels)},`);
      if (w.ingress.length > 0) lines.push(`    ingress: [\n${w.ingress.map((r) => `      ${rule(r)},`).join('\n')}\n    ],`);
      if (w.egress.length > 0) lines.push(`    egress: [\n${w.egress.map((r) => `      ${rule(r)},`).join('\n')}\n    ],`);
      lines.push('  });');
    }
  });
  lines.push('}');
  lines.push('');
  lines.push('if (require.main === module) {');
  lines.push('  const app = new App();');
  lines.push(`  addRecommendedPolicies(new PolicyChart(app, 'recommended', { target: ${TARGETS[plan.engine]} }));`);
  lines.push('  app.synth();');
  lines.push('}');
  lines.push('');
  const body = lines.join('\n');
  const used = ['Peer', 'PolicyChart', 'PolicyTarget', 'Port', 'Protocol', 'Rule', 'ZeroTrustNamespace'].filter((name) => new RegExp(`\\b${name}\\.|new ${name}\\(`).test(body));
  lines.splice(importsAt, 0, `import { ${used.join(', ')} } from 'eks-zero-trust';`);
  return lines.join('\n');
}

function rule(r: PlanRule): string {
  return `Rule.allow({ peers: [${r.peers.map(peer).join(', ')}], ports: [${r.ports.map(port).join(', ')}] })`;
}

function peer(p: PlanPeer): string {
  switch (p.kind) {
    case 'pods': return p.namespace === undefined ? `Peer.pods(${obj(p.labels)})` : `Peer.podsIn(${q(p.namespace)}, ${obj(p.labels)})`;
    case 'cidr': return `Peer.ipBlock(${q(p.cidr)})`;
    case 'fqdn': return `Peer.fqdn(${q(p.name)})`;
    case 'api-server': return p.cidrs.length > 0 ? `Peer.kubeApiServer({ cidrs: [${p.cidrs.map(q).join(', ')}] })` : 'Peer.kubeApiServer()';
    case 'internet': return 'Peer.internet()';
  }
}

function port(p: PlanPort): string {
  if (p.from !== p.to) return `Port.range(Protocol.${p.protocol}, ${p.from}, ${p.to})`;
  return `Port.${p.protocol.toLowerCase()}(${p.from})`;
}

function obj(labels: { readonly [key: string]: string }): string {
  const entries = Object.keys(labels).sort().map((k) => `${/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : q(k)}: ${q(labels[k])}`);
  return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
}

function q(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
