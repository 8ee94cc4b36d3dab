// The analyzer's bench cluster: 5,000 workloads in 200 namespaces, the same policies written in
// each dialect (Kubernetes NetworkPolicy, Calico projectcalico.org/v3, Cilium cilium.io/v2):
// a default deny and DNS per namespace, four allowances in and out (a named port, a namespace
// selector, the internet on 443), and six cluster-wide guards denying address blocks.
const NAMESPACES = 200;
const APPS = 25;

function workloads(ns, n) {
  const docs = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { team: `t${n % 10}` } } }];
  for (let w = 0; w < APPS; w++) {
    docs.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `app-${w}`, namespace: ns },
      spec: { replicas: 2, selector: { matchLabels: { app: `app-${w}` } }, template: { metadata: { labels: { app: `app-${w}`, tier: w % 3 === 0 ? 'front' : 'back' } },
        spec: { containers: [{ name: 'main', image: 'example/app:1', ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 9090, name: 'metrics' }], resources: { requests: { cpu: '100m', memory: '128Mi' } }, env: [{ name: 'MODE', value: 'production' }] }] } } } });
  }
  return docs;
}

const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];

const DIALECTS = {
  kubernetes: {
    namespace(ns, n) {
      const docs = [
        { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } },
        { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-dns', namespace: ns }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ protocol: 'UDP', port: 53 }] }] } },
      ];
      for (let p = 0; p < 4; p++) {
        const a = (p * 5) % APPS;
        const b = (a + 1) % APPS;
        docs.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `allow-${p}-in`, namespace: ns }, spec: { podSelector: { matchLabels: { app: `app-${b}` } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: `app-${a}` } } }, { namespaceSelector: { matchLabels: { team: `t${(n + 1) % 10}` } }, podSelector: { matchLabels: { tier: 'front' } } }], ports: [{ port: 'http' }] }] } });
        docs.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `allow-${p}-out`, namespace: ns }, spec: { podSelector: { matchLabels: { app: `app-${a}` } }, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: { matchLabels: { app: `app-${b}` } } }], ports: [{ port: 8080 }] }, { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE } }], ports: [{ port: 443 }] }] } });
      }
      return docs;
    },
    guard: (g) => ({ apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: `guard-${g}` }, spec: { order: 10 + g, selector: "tier == 'front'", types: ['Ingress'], ingress: [{ action: 'Deny', source: { nets: [`203.0.${113 + g}.0/24`] } }, { action: 'Pass' }] } }),
  },
  calico: {
    namespace(ns, n) {
      const np = (name, spec) => ({ apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec: { order: 1000, ...spec } });
      const docs = [
        np('default-deny', { selector: 'all()', types: ['Ingress', 'Egress'], ingress: [{ action: 'Deny' }], egress: [{ action: 'Deny' }], order: 2000 }),
        np('allow-dns', { selector: 'all()', types: ['Egress'], egress: [{ action: 'Allow', protocol: 'UDP', destination: { namespaceSelector: "projectcalico.org/name == 'kube-system'", selector: "k8s-app == 'kube-dns'", ports: [53] } }] }),
      ];
      for (let p = 0; p < 4; p++) {
        const a = (p * 5) % APPS;
        const b = (a + 1) % APPS;
        docs.push(np(`allow-${p}-in`, { selector: `app == 'app-${b}'`, types: ['Ingress'], ingress: [
          { action: 'Allow', protocol: 'TCP', source: { selector: `app == 'app-${a}'` }, destination: { ports: ['http'] } },
          { action: 'Allow', protocol: 'TCP', source: { namespaceSelector: `team == 't${(n + 1) % 10}'`, selector: "tier == 'front'" }, destination: { ports: ['http'] } },
        ] }));
        docs.push(np(`allow-${p}-out`, { selector: `app == 'app-${a}'`, types: ['Egress'], egress: [
          { action: 'Allow', protocol: 'TCP', destination: { selector: `app == 'app-${b}'`, ports: [8080] } },
          { action: 'Allow', protocol: 'TCP', destination: { nets: ['0.0.0.0/0'], notNets: PRIVATE, ports: [443] } },
        ] }));
      }
      return docs;
    },
    guard: (g) => DIALECTS.kubernetes.guard(g),
  },
  cilium: {
    namespace(ns, n) {
      const cnp = (name, spec) => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name, namespace: ns }, spec });
      const docs = [
        cnp('default-deny', { endpointSelector: {}, enableDefaultDeny: { ingress: true, egress: true }, ingress: [{ fromEntities: ['none'] }], egress: [{ toEntities: ['none'] }] }),
        cnp('allow-dns', { endpointSelector: {}, egress: [{ toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system', 'k8s:k8s-app': 'kube-dns' } }], toPorts: [{ ports: [{ port: '53', protocol: 'UDP' }] }] }] }),
      ];
      for (let p = 0; p < 4; p++) {
        const a = (p * 5) % APPS;
        const b = (a + 1) % APPS;
        docs.push(cnp(`allow-${p}-in`, { endpointSelector: { matchLabels: { app: `app-${b}` } }, ingress: [
          { fromEndpoints: [{ matchLabels: { app: `app-${a}` } }, { matchLabels: { 'k8s:io.cilium.k8s.namespace.labels.team': `t${(n + 1) % 10}`, tier: 'front' } }], toPorts: [{ ports: [{ port: 'http', protocol: 'TCP' }] }] },
        ] }));
        docs.push(cnp(`allow-${p}-out`, { endpointSelector: { matchLabels: { app: `app-${a}` } }, egress: [
          { toEndpoints: [{ matchLabels: { app: `app-${b}` } }], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] },
          { toCIDRSet: [{ cidr: '0.0.0.0/0', except: PRIVATE }], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] },
        ] }));
      }
      return docs;
    },
    guard: (g) => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name: `guard-${g}` }, spec: { endpointSelector: { matchLabels: { tier: 'front' } }, enableDefaultDeny: { ingress: false }, ingressDeny: [{ fromCIDR: [`203.0.${113 + g}.0/24`] }] } }),
  },
};

/** The bench cluster's documents in one dialect. */
function benchCluster(dialect) {
  const d = DIALECTS[dialect];
  const docs = [];
  for (let n = 0; n < NAMESPACES; n++) {
    const ns = `ns-${n}`;
    docs.push(...workloads(ns, n), ...d.namespace(ns, n));
  }
  for (let g = 0; g < 6; g++) docs.push(d.guard(g));
  docs.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'coredns', namespace: 'kube-system' }, spec: { template: { metadata: { labels: { 'k8s-app': 'kube-dns' } }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 53, protocol: 'UDP' }] }] } } } });
  return docs;
}

module.exports = { benchCluster, DIALECTS: Object.keys(DIALECTS) };
