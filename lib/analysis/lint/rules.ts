import { cidr, cidrContains, INSTANCE_METADATA, parseCidr, RFC1918 } from '../../core/cidr';
import { Analysis } from '../analysis';
import { makeWorkload } from '../inventory';
import { Endpoint, NormPolicy, NormRule } from '../model';
import { PortSet } from '../port-set';

/** How bad a finding is. */
export type Severity = 'error' | 'warning' | 'note';

/** One lint finding. */
export interface Finding {
  readonly id: string;
  readonly severity: Severity;
  /** The object concerned: a policy (`Kind ns/name`) or a workload id. */
  readonly object: string;
  readonly file?: string;
  readonly index?: number;
  readonly message: string;
  readonly fix: string;
}

/** Options that tell the linter what the cluster runs. */
export interface LintOptions {
  /** The engine mode; `cilium-chaining` cannot enforce L7 rules. */
  readonly engine?: string;
}

/** A lint rule: a stable id, a name, and a pure check. */
export interface LintRule {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  check(a: Analysis, options: LintOptions): Finding[];
}

const policyFinding = (rule: LintRule, severity: Severity, p: NormPolicy, message: string, fix: string): Finding => ({ id: rule.id, severity, object: p.display, file: p.source.file, index: p.source.index, message, fix });
const workloadFinding = (rule: LintRule, severity: Severity, w: Endpoint, message: string, fix: string): Finding => ({ id: rule.id, severity, object: w.id, file: w.source?.file, index: w.source?.index, message, fix });

function rulesOf(p: NormPolicy): [string, NormRule][] {
  return [...(p.ingress ?? []).map((r) => ['ingress', r] as [string, NormRule]), ...(p.egress ?? []).map((r) => ['egress', r] as [string, NormRule])];
}

const DNS_PROBE = PortSet.range('UDP', 53, 53);

/** The linter's rules, in id order. */
export const LINT_RULES: readonly LintRule[] = [
  {
    id: 'EZT001', name: 'egress-denied-without-dns', description: 'A workload whose egress is isolated cannot reach the cluster DNS on UDP 53.',
    check(a) {
      const real = a.workloads.filter((w) => w.labels['k8s-app'] === 'kube-dns');
      const dns = real.length > 0 ? real : [makeWorkload(-1, 'kube-system/coredns', 'Deployment', 'kube-system', { 'k8s-app': 'kube-dns' }, { 'kubernetes.io/metadata.name': 'kube-system' }, [{ port: 53, protocol: 'UDP', name: 'dns' }, { port: 53, protocol: 'TCP', name: 'dns-tcp' }], 'coredns', undefined)];
      return a.workloads.filter((w) => !real.includes(w) && a.policiesFor(w, 'egress').length > 0)
        .filter((w) => !dns.some((d) => !a.verdict(w, d).egress.allowed.intersect(DNS_PROBE).isEmpty))
        .map((w) => workloadFinding(this, 'error', w, 'egress is isolated and nothing allows DNS (UDP 53 to kube-dns), so name lookups time out', 'allow egress to Peer.clusterDns() on UDP and TCP 53 (ZeroTrustNamespace does this by default)'));
    },
  },
  {
    id: 'EZT002', name: 'workload-not-isolated', description: 'No policy selects the workload, so every connection to it (or from it) is allowed.',
    check(a) {
      const out: Finding[] = [];
      for (const w of a.workloads) {
        const missing = (['ingress', 'egress'] as const).filter((d) => a.policiesFor(w, d).length === 0);
        if (missing.length > 0) out.push(workloadFinding(this, 'warning', w, `no policy isolates its ${missing.join(' and ')}`, 'add a default deny for its namespace (ZeroTrustNamespace)'));
      }
      return out;
    },
  },
  {
    id: 'EZT003', name: 'selector-matches-nothing', description: 'A policy, or a pod peer of a rule, selects no workload of the input.',
    check(a) {
      if (a.workloads.length === 0) return [];
      const out: Finding[] = [];
      for (const p of a.policies) {
        if (p.namespace && !a.workloads.some((w) => w.namespace === p.namespace)) continue;
        if (!a.workloads.some((w) => p.appliesTo(w))) out.push(policyFinding(this, 'note', p, 'selects no workload of the input', 'check the labels against the pods\' labels'));
        for (const [, r] of rulesOf(p)) {
          if (r.peer.cidrs.length > 0 || r.peer.allWorkloads || (r.peer.namespaces !== 'all' && r.peer.namespaces.length === 0)) continue;
          const names = r.peer.namespaces === 'all' ? undefined : r.peer.namespaces;
          if (names && !a.workloads.some((w) => names.includes(w.namespace ?? ''))) continue;
          if (!a.workloads.some((w) => r.peer.matches(w))) out.push(policyFinding(this, 'note', p, `${r.field} peer ${r.peer.text} matches no workload`, 'check the peer\'s labels and namespace'));
        }
      }
      return out;
    },
  },
  {
    id: 'EZT004', name: 'peer-opens-whole-cluster', description: 'An allow rule admits every pod of the cluster, or the internet.',
    check(a) {
      const out: Finding[] = [];
      for (const p of a.policies) {
        for (const [, r] of rulesOf(p)) {
          if (r.action !== 'Allow') continue;
          if (r.peer.allWorkloads && r.peer.text !== 'anyone') out.push(policyFinding(this, 'warning', p, `${r.field} allows every pod of the cluster (${r.peer.text})`, 'name the namespaces and pods that need the flow'));
        }
      }
      return out;
    },
  },
  {
    id: 'EZT005', name: 'ingress-from-anywhere', description: 'An ingress rule admits 0.0.0.0/0 or ::/0.',
    check(a) {
      return a.policies.flatMap((p) => (p.ingress ?? []).filter((r) => r.action === 'Allow' && r.peer.cidrs.some((c) => c === '0.0.0.0/0' || c === '::/0'))
        .map((r) => policyFinding(this, 'warning', p, `${r.field} admits connections from any address (${r.peer.text})`, 'admit the load balancer\'s or VPC\'s CIDR instead, or document why the whole internet may connect')));
    },
  },
  {
    id: 'EZT006', name: 'partial-private-range', description: 'A rule lists private ranges but covers only part of RFC 1918 (such as 172.16.0.0/20 for 172.16.0.0/12).',
    check(a) {
      const out: Finding[] = [];
      const rfc = RFC1918.map((t) => cidr(t));
      for (const p of a.policies) {
        for (const [, r] of rulesOf(p)) {
          const blocks = r.peer.cidrs.map((c) => parseCidr(c).cidr).filter((c): c is NonNullable<typeof c> => !!c);
          if (!blocks.some((b) => rfc.some((x) => x.text === b.text))) continue;
          for (const b of blocks) {
            const parent = rfc.find((x) => cidrContains(x, b) && x.text !== b.text);
            if (parent && !blocks.some((o) => o.text === parent.text)) {
              out.push(policyFinding(this, 'error', p, `${r.field} lists private ranges but has ${b.text}, which is only part of ${parent.text}`, `use ${parent.text} (RFC 1918), or Peer.internet() which excludes all private ranges`));
            }
          }
        }
      }
      return out;
    },
  },
  {
    id: 'EZT007', name: 'named-port-undefined', description: 'A rule names a container port that no targeted workload defines.',
    check(a) {
      const out: Finding[] = [];
      for (const p of a.policies) {
        for (const [direction, r] of rulesOf(p)) {
          const names = r.ports.entries.filter((e) => e.name !== undefined).map((e) => e.name as string);
          if (names.length === 0) continue;
          const targets = direction === 'ingress' ? a.workloads.filter((w) => p.appliesTo(w)) : a.workloads.filter((w) => r.peer.matches(w));
          if (targets.length === 0) continue;
          for (const name of names) {
            if (!targets.some((w) => w.ports.some((x) => x.name === name))) out.push(policyFinding(this, 'error', p, `${r.field} names port "${name}", which none of its ${targets.length} target workload(s) define`, 'use the containerPort name the pods declare, or a number'));
          }
        }
      }
      return out;
    },
  },
  {
    id: 'EZT008', name: 'shadowed-rule', description: 'A Calico rule can never match because an earlier rule of the same policy takes all its traffic.',
    check(a) {
      const out: Finding[] = [];
      for (const p of [...a.policies, ...a.stagedPolicies].filter((x) => ['NetworkPolicy', 'GlobalNetworkPolicy', 'StagedNetworkPolicy', 'StagedGlobalNetworkPolicy'].includes(x.kind) && x.key.startsWith('projectcalico.org/v3/'))) {
        for (const rules of [p.ingress ?? [], p.egress ?? []]) {
          rules.forEach((r, i) => {
            const earlier = rules.slice(0, i).find((e) => e.action !== 'Log' && e.peer.text === r.peer.text && e.ports.fixed && r.ports.fixed && r.ports.fixed.subtract(e.ports.fixed).isEmpty);
            if (earlier) out.push(policyFinding(this, 'warning', p, `${r.field} (${r.action}) is shadowed by ${earlier.field} (${earlier.action}), which matches the same peers and ports first`, 'remove it, or move it above the broader rule'));
          });
        }
      }
      return out;
    },
  },
  {
    id: 'EZT009', name: 'egress-to-instance-metadata', description: 'A workload may reach the EC2 instance metadata service (credentials of the node role).',
    check(a) {
      const imds = INSTANCE_METADATA.map((c) => a.external(c.split('/')[0])).filter((e): e is Endpoint => !!e);
      return a.workloads.filter((w) => a.policiesFor(w, 'egress').length > 0 && imds.some((m) => !a.verdict(w, m).allowed.isEmpty))
        .map((w) => workloadFinding(this, 'warning', w, 'egress reaches the instance metadata service (169.254.169.254)', 'exclude 169.254.0.0/16 from its egress (Peer.internet() does), or block it cluster-wide'));
    },
  },
  {
    id: 'EZT010', name: 'l7-not-enforced', description: 'L7 rules on an engine or mode that cannot enforce them.',
    check(a, options) {
      const out: Finding[] = [];
      for (const p of a.policies) {
        for (const [, r] of rulesOf(p)) {
          if (r.l7.length === 0) continue;
          if (p.kind.startsWith('Cilium') && options.engine === 'cilium-chaining') {
            out.push(policyFinding(this, 'error', p, `${r.field} has L7 rules, which Cilium does not enforce in aws-cni chaining mode`, 'run Cilium in ENI mode, or drop the L7 rules'));
          } else if (!p.kind.startsWith('Cilium')) {
            out.push(policyFinding(this, 'error', p, `${r.field} has HTTP rules, which Calico open source does not enforce without an L7 proxy`, 'use Cilium in ENI mode for L7 rules'));
          }
        }
      }
      return out;
    },
  },
  {
    id: 'EZT011', name: 'admin-policy-not-enforced', description: 'An admin policy kind the engine in use does not enforce.',
    check(a, options) {
      const out: Finding[] = [];
      const engine = options.engine;
      for (const p of [...a.policies, ...a.stagedPolicies]) {
        const upstream = p.key.startsWith('policy.networking.k8s.io/');
        if (upstream && (p.kind === 'AdminNetworkPolicy' || p.kind === 'BaselineAdminNetworkPolicy') && engine === 'calico') {
          // Calico 3.32 ships the ClusterNetworkPolicy CRD and no ANP/BANP CRDs (projectcalico/calico
          // v3.32.1 charts/crd.projectcalico.org.v1/templates/calico: policy.networking.k8s.io_clusternetworkpolicies.yaml only).
          out.push(policyFinding(this, 'error', p, 'is an AdminNetworkPolicy kind, which Calico 3.32 no longer enforces (it enforces ClusterNetworkPolicy v1alpha2)', 'rewrite it as a policy.networking.k8s.io/v1alpha2 ClusterNetworkPolicy (tier Admin or Baseline)'));
        }
        if (upstream && p.kind === 'ClusterNetworkPolicy' && (engine === 'cilium' || engine === 'cilium-chaining')) {
          out.push(policyFinding(this, 'warning', p, 'is a ClusterNetworkPolicy, which Cilium enforces only from 1.20 with k8sClusterNetworkPolicy.enabled (off by default)', 'install Cilium 1.20 with PolicyEngine.cilium({ clusterNetworkPolicy: true }), or write a CiliumClusterwideNetworkPolicy'));
        }
        if (upstream && engine === 'vpc-cni') {
          out.push(policyFinding(this, 'error', p, `is a ${p.kind} of policy.networking.k8s.io, which the VPC CNI does not enforce (it enforces networking.k8s.aws ClusterNetworkPolicy)`, 'write it as a networking.k8s.aws/v1alpha1 ClusterNetworkPolicy'));
        }
      }
      return out;
    },
  },
  {
    id: 'EZT012', name: 'wildcard-domain-depth', description: 'A "*." domain pattern, whose meaning differs between ClusterNetworkPolicy and Cilium.',
    check(a) {
      const out: Finding[] = [];
      for (const p of [...a.policies, ...a.stagedPolicies]) {
        for (const [, r] of rulesOf(p)) {
          const patterns = [...r.peer.text.matchAll(/(?:domain names|FQDN) ([^()]*?) \(/g)].flatMap((m) => m[1].split(', ')).filter((d) => d.startsWith('*.'));
          for (const pattern of patterns) {
            // network-policy-api v0.2.0 DomainName: "'*' matches one or more entire labels";
            // Cilium FQDNSelector.matchPattern: '*' matches characters of one label (docs.cilium.io "DNS Policy").
            if (p.kind === 'ClusterNetworkPolicy') out.push(policyFinding(this, 'note', p, `${r.field} allows ${pattern}, which here matches subdomains of any depth; the same pattern in a Cilium toFQDNs matchPattern matches one label only`, `if one level is meant, say so explicitly where Cilium also enforces, or list the names`));
            else if (p.kind.startsWith('Cilium')) out.push(policyFinding(this, 'note', p, `${r.field} allows ${pattern}, which Cilium matches for one label only (a.${pattern.slice(2)}, not a.b.${pattern.slice(2)}); in a ClusterNetworkPolicy the same pattern matches any depth`, 'list deeper names too if they are meant'));
          }
        }
      }
      return out;
    },
  },
];

/** Runs every rule and reports input problems as EZT000. */
export function lint(a: Analysis, options: LintOptions = {}): Finding[] {
  const problems: Finding[] = a.problems.map((p) => ({ id: 'EZT000', severity: 'error', object: `${p.file}#${p.index}`, file: p.file, index: p.index, message: `${p.field ? `${p.field} ` : ''}${p.message}`, fix: 'correct the manifest' }));
  return [...problems, ...LINT_RULES.flatMap((r) => r.check(a, options))];
}

/** Findings as SARIF 2.1.0, for code scanning in pull requests. */
export function toSarif(findings: readonly Finding[], version: string): object {
  const level = { error: 'error', warning: 'warning', note: 'note' } as const;
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'eks-zero-trust', version, informationUri: 'https://github.com/eks-zero-trust/eks-zero-trust', rules: [{ id: 'EZT000', name: 'invalid-input', shortDescription: { text: 'The manifest cannot be read.' } }, ...LINT_RULES.map((r) => ({ id: r.id, name: r.name, shortDescription: { text: r.description } }))] } },
      results: findings.map((f) => ({
        ruleId: f.id,
        level: level[f.severity],
        message: { text: `${f.object}: ${f.message}. Fix: ${f.fix}` },
        locations: f.file ? [{ physicalLocation: { artifactLocation: { uri: artifactUri(f.file) } }, logicalLocations: [{ name: f.object, fullyQualifiedName: `${f.object}#doc${f.index ?? 0}` }] }] : [],
      })),
    }],
  };
}

/**
 * A file path as a SARIF `artifactLocation.uri`: a URI reference (RFC 3986),
 * relative paths kept relative (code scanning resolves them against the
 * checkout), every segment percent-encoded so spaces, `%`, `#` and `?` stay
 * part of the name; absolute paths become `file://` URIs.
 */
export function artifactUri(file: string): string {
  const segments = file.split(/[\\/]/).map((s) => encodeURIComponent(s));
  const joined = segments.join('/');
  return file.startsWith('/') ? `file://${joined}` : /^[A-Za-z]:[\\/]/.test(file) ? `file:///${joined.replace(/^([A-Za-z])%3A/, '$1:')}` : joined;
}
