#!/usr/bin/env node
// Writes lib/analysis/schema/field-tables.ts: the fields, types and enums of the kinds the
// analyzer reads, taken from the upstream JSON Schemas in ../shared/schemas (see its README for
// where each comes from). The table is compact: equal subtrees (Calico's EntityRule, a label
// selector) are stored once. Run it when the schemas change:
//   node scripts/gen-field-tables.js ../shared/schemas
// With --check (as .ci/run runs it) it writes nothing and fails when the committed table differs.
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const check = args.includes('--check');
const schemas = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(__dirname, '..', '..', 'shared', 'schemas'));
const out = path.join(__dirname, '..', 'lib', 'analysis', 'schema', 'field-tables.ts');

/** The kinds the analyzer reads, and which schema file of each (index.json lists several for some). */
const KINDS = [
  ['networking.k8s.io/v1', 'NetworkPolicy', 'kubernetes/v1.36/'],
  ['v1', 'Namespace', 'kubernetes/v1.36/'],
  ['v1', 'Service', 'kubernetes/v1.36/'],
  ['projectcalico.org/v3', 'NetworkPolicy', 'calico/'],
  ['projectcalico.org/v3', 'GlobalNetworkPolicy', 'calico/'],
  ['projectcalico.org/v3', 'StagedNetworkPolicy', 'calico/'],
  ['projectcalico.org/v3', 'StagedGlobalNetworkPolicy', 'calico/'],
  ['projectcalico.org/v3', 'StagedKubernetesNetworkPolicy', 'calico/'],
  ['projectcalico.org/v3', 'NetworkSet', 'calico/'],
  ['projectcalico.org/v3', 'GlobalNetworkSet', 'calico/'],
  ['projectcalico.org/v3', 'Tier', 'calico/'],
  ['cilium.io/v2', 'CiliumNetworkPolicy', 'cilium/'],
  ['cilium.io/v2', 'CiliumClusterwideNetworkPolicy', 'cilium/'],
  ['cilium.io/v2', 'CiliumCIDRGroup', 'cilium/'],
  ['policy.networking.k8s.io/v1alpha1', 'AdminNetworkPolicy', '-experimental.json'],
  ['policy.networking.k8s.io/v1alpha1', 'BaselineAdminNetworkPolicy', '-experimental.json'],
  ['policy.networking.k8s.io/v1alpha2', 'ClusterNetworkPolicy', '-experimental.json'],
  ['networking.k8s.aws/v1alpha1', 'ClusterNetworkPolicy', 'aws/'],
  ['networking.k8s.aws/v1alpha1', 'ApplicationNetworkPolicy', 'aws/'],
];

const index = JSON.parse(fs.readFileSync(path.join(schemas, 'index.json'), 'utf8'));
const nodes = [];
const ids = new Map();

/** Stores a node once; returns its index. */
function intern(node) {
  const key = JSON.stringify(node);
  let id = ids.get(key);
  if (id === undefined) {
    id = nodes.length;
    nodes.push(node);
    ids.set(key, id);
  }
  return id;
}

const typesOf = (s) => (Array.isArray(s.type) ? s.type.filter((t) => t !== 'null') : s.type ? [s.type] : []);

/**
 * A schema node as a table node: `o` object (`p` fields, `m` map values, open
 * when neither), `a` array (`i` items), `s` string (`e` enum), `i` integer,
 * `n` number, `b` boolean, `is` integer or string, `*` anything.
 */
function convert(s) {
  if (!s || typeof s !== 'object') return intern({ t: '*' });
  const branches = s.oneOf ?? s.anyOf;
  if (branches && !s.type && !s.properties) {
    const kinds = new Set(branches.flatMap(typesOf));
    if (kinds.size === 2 && kinds.has('integer') && kinds.has('string')) return intern({ t: 'is' });
    if (s['x-kubernetes-int-or-string']) return intern({ t: 'is' });
    return intern({ t: '*' });
  }
  if (s['x-kubernetes-int-or-string']) return intern({ t: 'is' });
  const types = typesOf(s);
  if (types.includes('object') || s.properties) {
    if (s.properties) {
      const p = {};
      for (const k of Object.keys(s.properties).sort()) p[k] = convert(s.properties[k]);
      const closed = s.additionalProperties === false && !s['x-kubernetes-preserve-unknown-fields'];
      return intern(closed ? { t: 'o', p } : { t: 'o', p, open: 1 });
    }
    if (s.additionalProperties && typeof s.additionalProperties === 'object') return intern({ t: 'o', m: convert(s.additionalProperties) });
    return intern({ t: 'o' });
  }
  if (types.includes('array')) return intern({ t: 'a', i: convert(s.items) });
  if (types.length !== 1) return intern({ t: '*' });
  const t = { string: 's', integer: 'i', number: 'n', boolean: 'b' }[types[0]] ?? '*';
  return intern(t === 's' && Array.isArray(s.enum) ? { t, e: s.enum } : { t });
}

const kinds = {};
const sources = {};
for (const [apiVersion, kind, pick] of KINDS) {
  const entry = index.entries.find((e) => e.apiVersion === apiVersion && e.kind === kind && e.file.includes(pick));
  if (!entry) throw new Error(`no schema for ${apiVersion} ${kind} (${pick}) in ${schemas}/index.json`);
  const schema = JSON.parse(fs.readFileSync(path.join(schemas, entry.file), 'utf8'));
  // apiVersion and kind are checked by the loader; metadata by the loader's object check.
  const top = { ...schema, properties: { ...schema.properties } };
  delete top.properties.apiVersion;
  delete top.properties.kind;
  top.properties.metadata = { type: 'object' };
  kinds[`${apiVersion}/${kind}`] = convert(top);
  sources[`${apiVersion}/${kind}`] = `${entry.file} (${entry.source ?? 'see shared/schemas/README.md'})`;
}

const header = [
  '// Generated by scripts/gen-field-tables.js from the upstream JSON Schemas of shared/schemas',
  '// (sources and versions below). Do not edit: run the script when the schemas change.',
  "import { FieldTables } from './field-check';",
  '',
  '/** The fields, types and enums of the kinds the analyzer reads. */',
].join('\n');
const text = `${header}\nexport const FIELD_TABLES: FieldTables = ${JSON.stringify({ sources, kinds, nodes })};\n`;
if (check) {
  if (!fs.existsSync(out) || fs.readFileSync(out, 'utf8') !== text) {
    console.error(`${out} is not what ${schemas} gives: run node scripts/gen-field-tables.js ${path.relative(process.cwd(), schemas)}`);
    process.exit(1);
  }
  console.log(`${out}: up to date with ${schemas}`);
} else {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, text);
  console.log(`${out}: ${Object.keys(kinds).length} kinds, ${nodes.length} nodes, ${text.length} bytes`);
}
