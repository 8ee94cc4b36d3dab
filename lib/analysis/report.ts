/**
 * One self-contained HTML file that shows an analysis to people: the
 * workloads by namespace as a graph, a connectivity matrix and list with
 * filters (namespace, port, verdict), L7 and DNS-name restrictions, lint
 * findings with their fixes, and what is left open (exposure). No network
 * request: styles, script and data are inline.
 */
import { Analysis, Connection, ConnectionEnd } from './analysis';
import { exposure } from './exposure';
import { lint } from './lint/rules';

/** Options of the report. */
export interface HtmlReportOptions {
  /**
   * The page title.
   * @default 'eks-zero-trust connectivity report'
   */
  readonly title?: string;
  /**
   * The engine, for the linter's engine rules (`calico`, `cilium`, `cilium-chaining`, `vpc-cni`).
   * @default none
   */
  readonly engine?: string;
  /**
   * At most this many connections are listed (a matrix of thousands of
   * workloads is not read by people; the counts say how many were left out).
   * @default 20000
   */
  readonly maxConnections?: number;
}

/** The report's data, as the page's script reads it. */
interface ReportData {
  readonly title: string;
  readonly namespaces: string[];
  readonly workloads: { id: string; ns: string; name: string; kind: string }[];
  readonly connections: { src: string; dst: string; ports: string; l7: string[]; verdict: 'allowed' | 'possibly' }[];
  readonly omitted: number;
  readonly names: { src: string; domain: string; ports: string; l7: readonly string[] }[];
  readonly findings: { severity: string; id: string; object: string; message: string; fix: string }[];
  readonly exposure: { workload: string; direction: string; scope: string; peer: string; ports: string }[];
  readonly problems: { where: string; message: string }[];
}

const endText = (e: ConnectionEnd) => (typeof e === 'string' ? e : e.ips.length > 3 ? `${e.ips.slice(0, 3).join(', ')} (+${e.ips.length - 3})` : e.ips.join(', '));

/** The report as one HTML text. */
export function htmlReport(analysis: Analysis, options: HtmlReportOptions = {}): string {
  const max = options.maxConnections ?? 20000;
  const connections: ReportData['connections'] = [];
  let omitted = 0;
  const add = (verdict: 'allowed' | 'possibly') => (c: Connection) => {
    if (connections.length >= max) { omitted++; return; }
    connections.push({ src: endText(c.src), dst: endText(c.dst), ports: c.allowed.toString(), l7: verdict === 'allowed' ? analysis.l7Of(c) : [], verdict });
  };
  analysis.eachConnection(add('allowed'));
  analysis.eachPossiblyAllowed(add('possibly'));
  const data: ReportData = {
    title: options.title ?? 'eks-zero-trust connectivity report',
    namespaces: [...new Set(analysis.workloads.map((w) => w.namespace ?? ''))].sort(),
    workloads: analysis.workloads.map((w) => ({ id: w.id, ns: w.namespace ?? '', name: w.id.slice((w.namespace ?? '').length + 1), kind: w.kind })),
    connections,
    omitted,
    names: analysis.domainEgress().map((d) => ({ src: d.src, domain: d.domain, ports: d.allowed.toString(), l7: d.l7 })),
    findings: lint(analysis, { engine: options.engine }).map((f) => ({ severity: f.severity, id: f.id, object: f.object, message: f.message, fix: f.fix })),
    exposure: exposure(analysis).map((e) => ({ workload: e.workload, direction: e.direction, scope: e.scope, peer: e.peer, ports: e.allowed.toString() })),
    problems: analysis.problems.map((p) => ({ where: `${p.file}#${p.index}${p.field ? ` ${p.field}` : ''}`, message: p.message })),
  };
  // JSON inside <script>: "</" and U+2028/2029 escaped, so no input text ends the script or the line.
  const json = JSON.stringify(data).replace(/<\//g, '<\\/').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(data.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1 id="title"></h1>
<p id="summary"></p>
<section><h2>Workloads by namespace</h2><div id="graph"></div></section>
<section>
<h2>Connectivity</h2>
<form id="filters">
<label>source namespace <select id="f-src"><option value="">all</option></select></label>
<label>destination namespace <select id="f-dst"><option value="">all</option></select></label>
<label>port <input id="f-port" placeholder="5432 or TCP 443"></label>
<label>verdict <select id="f-verdict"><option value="">all</option><option value="allowed">allowed</option><option value="possibly">possibly allowed</option><option value="denied">denied (matrix)</option></select></label>
</form>
<p id="shown"></p>
<div class="scroll"><table id="matrix"></table></div>
<h3>Connections</h3>
<div class="scroll"><table id="connections"><thead><tr><th>source</th><th>destination</th><th>ports</th><th>verdict</th><th>L7</th></tr></thead><tbody></tbody></table></div>
</section>
<section><h2>L7 and DNS-name restrictions</h2><ul id="restrictions"></ul></section>
<section><h2>Lint findings</h2><table id="findings"><thead><tr><th>severity</th><th>rule</th><th>object</th><th>finding</th><th>fix</th></tr></thead><tbody></tbody></table></section>
<section><h2>Exposure: what is left open outside the input</h2><table id="exposure"><thead><tr><th>workload</th><th>direction</th><th>peer</th><th>ports</th></tr></thead><tbody></tbody></table></section>
<section><h2>Input problems</h2><ul id="problems"></ul></section>
<script type="application/json" id="data">${json}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1d2330; }
h1 { font-size: 1.5em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccd; }
table { border-collapse: collapse; font-size: 12px; } td, th { border: 1px solid #dde; padding: 2px 6px; text-align: left; vertical-align: top; }
.scroll { max-height: 32em; overflow: auto; } form label { margin-right: 1.2em; }
td.allowed { background: #d5f5d9; } td.possibly { background: #fff1c2; } td.denied { color: #99a; }
td.dim { opacity: 0.2; } tr.hidden, td.hidden, th.hidden { display: none; }
.error { color: #b00020; font-weight: 600; } .warning { color: #a15c00; } .note { color: #556; }
svg text { font-size: 11px; } svg .ns { fill: #f4f6fb; stroke: #aab; } svg .wl { fill: #fff; stroke: #557; } svg line { stroke: #6a8; stroke-opacity: 0.5; }
`;

/** The page's script: renders the data and applies the filters. No external code, no network. */
const SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('data').textContent);
  function el(tag, attrs, text) { var e = document.createElement(tag); for (var k in attrs || {}) e.setAttribute(k, attrs[k]); if (text !== undefined) e.textContent = text; return e; }
  function svg(tag, attrs, text) { var e = document.createElementNS('http://www.w3.org/2000/svg', tag); for (var k in attrs || {}) e.setAttribute(k, attrs[k]); if (text !== undefined) e.textContent = text; return e; }
  function nsOf(id) { var i = id.indexOf('/'); return i < 0 ? '' : id.slice(0, i); }
  document.getElementById('title').textContent = data.title;
  var allowed = data.connections.filter(function (c) { return c.verdict === 'allowed'; }).length;
  document.getElementById('summary').textContent = data.workloads.length + ' workloads in ' + data.namespaces.length + ' namespaces; ' + allowed + ' allowed connections, ' + (data.connections.length - allowed) + ' possibly allowed' + (data.omitted ? ' (' + data.omitted + ' more not listed)' : '') + '; ' + data.findings.length + ' lint findings; ' + data.exposure.length + ' openings outside the input; ' + data.problems.length + ' input problems.';

  // The graph: namespaces as boxes in a grid, workloads inside, connections between workloads as lines.
  var cols = Math.max(1, Math.ceil(Math.sqrt(data.namespaces.length)));
  var boxW = 220, rowH = 22, pos = {}, height = 0, y0 = [];
  var byNs = {}; data.workloads.forEach(function (w) { (byNs[w.ns] = byNs[w.ns] || []).push(w); });
  var rows = Math.ceil(data.namespaces.length / cols);
  for (var r = 0; r < rows; r++) { var tallest = 0; for (var c = 0; c < cols; c++) { var ns = data.namespaces[r * cols + c]; if (ns !== undefined) tallest = Math.max(tallest, (byNs[ns] || []).length); } y0.push(height); height += 40 + tallest * rowH; }
  var g = svg('svg', { width: cols * (boxW + 20), height: height + 10, role: 'img', 'aria-label': 'workloads by namespace' });
  data.namespaces.forEach(function (ns, i) {
    var x = (i % cols) * (boxW + 20) + 5, y = y0[Math.floor(i / cols)] + 5, members = byNs[ns] || [];
    g.appendChild(svg('rect', { class: 'ns', x: x, y: y, width: boxW, height: 30 + members.length * rowH, rx: 6 }));
    g.appendChild(svg('text', { x: x + 8, y: y + 18 }, ns));
    members.forEach(function (w, j) {
      var wy = y + 26 + j * rowH; pos[w.id] = [x + boxW / 2, wy + 9];
      g.appendChild(svg('rect', { class: 'wl', x: x + 10, y: wy, width: boxW - 20, height: rowH - 4, rx: 3 }));
      g.appendChild(svg('text', { x: x + 16, y: wy + 13 }, w.name));
    });
  });
  data.connections.forEach(function (c) { var a = pos[c.src], b = pos[c.dst]; if (a && b && c.verdict === 'allowed') g.insertBefore(svg('line', { x1: a[0], y1: a[1], x2: b[0], y2: b[1] }), g.firstChild); });
  document.getElementById('graph').appendChild(g);

  // The matrix (workloads x workloads) and the list, with filters.
  var fSrc = document.getElementById('f-src'), fDst = document.getElementById('f-dst'), fPort = document.getElementById('f-port'), fVerdict = document.getElementById('f-verdict');
  data.namespaces.forEach(function (ns) { fSrc.appendChild(el('option', { value: ns }, ns)); fDst.appendChild(el('option', { value: ns }, ns)); });
  var cell = {}; data.connections.forEach(function (c) { cell[c.src + '>' + c.dst] = c; });
  var matrix = document.getElementById('matrix'), head = el('tr'); head.appendChild(el('th', {}, 'from \\\\ to'));
  data.workloads.forEach(function (w) { head.appendChild(el('th', { 'data-ns': w.ns }, w.id)); });
  matrix.appendChild(head);
  data.workloads.forEach(function (s) {
    var tr = el('tr', { 'data-ns': s.ns }); tr.appendChild(el('th', {}, s.id));
    data.workloads.forEach(function (d) {
      var c = s.id === d.id ? null : cell[s.id + '>' + d.id];
      var td = el('td', { 'data-ns': d.ns, 'data-verdict': s.id === d.id ? 'self' : c ? c.verdict : 'denied', 'data-ports': c ? c.ports : '' }, c ? c.ports : s.id === d.id ? '' : '-');
      td.className = td.getAttribute('data-verdict'); tr.appendChild(td);
    });
    matrix.appendChild(tr);
  });
  var tbody = document.querySelector('#connections tbody');
  data.connections.forEach(function (c) {
    var tr = el('tr', { 'data-src-ns': nsOf(c.src), 'data-dst-ns': nsOf(c.dst), 'data-verdict': c.verdict, 'data-ports': c.ports });
    [c.src, c.dst, c.ports, c.verdict === 'allowed' ? 'allowed' : 'possibly allowed', c.l7.join('; ')].forEach(function (t) { tr.appendChild(el('td', {}, t)); });
    tbody.appendChild(tr);
  });
  function portMatch(ports, want) { if (!want) return true; if (ports === 'all') return true; var w = want.trim().toUpperCase(); return ports.toUpperCase().indexOf(w) >= 0; }
  function apply() {
    var src = fSrc.value, dst = fDst.value, port = fPort.value, verdict = fVerdict.value, shown = 0;
    Array.prototype.forEach.call(matrix.rows, function (tr, i) {
      if (i > 0) tr.classList.toggle('hidden', !!src && tr.getAttribute('data-ns') !== src);
      Array.prototype.forEach.call(tr.cells, function (td, j) {
        if (j === 0) return;
        td.classList.toggle('hidden', !!dst && td.getAttribute('data-ns') !== dst);
        if (i === 0) return;
        var v = td.getAttribute('data-verdict');
        td.classList.toggle('dim', (verdict && v !== verdict) || (!!port && v !== 'denied' && !portMatch(td.getAttribute('data-ports'), port)));
      });
    });
    Array.prototype.forEach.call(tbody.rows, function (tr) {
      var ok = (!src || tr.getAttribute('data-src-ns') === src) && (!dst || tr.getAttribute('data-dst-ns') === dst) && (!verdict || tr.getAttribute('data-verdict') === verdict) && portMatch(tr.getAttribute('data-ports'), port);
      tr.classList.toggle('hidden', !ok); if (ok) shown++;
    });
    document.getElementById('shown').textContent = shown + ' of ' + data.connections.length + ' connections shown';
  }
  [fSrc, fDst, fVerdict].forEach(function (s) { s.addEventListener('change', apply); });
  fPort.addEventListener('input', apply);
  apply();

  var rl = document.getElementById('restrictions');
  data.connections.filter(function (c) { return c.l7.length; }).forEach(function (c) { rl.appendChild(el('li', {}, c.src + ' -> ' + c.dst + ' ' + c.ports + ': ' + c.l7.join('; '))); });
  data.names.forEach(function (n) { rl.appendChild(el('li', {}, n.src + ' -> ' + n.domain + ' (DNS name, resolved at run time): ' + n.ports + (n.l7.length ? ' [' + n.l7.join('; ') + ']' : ''))); });
  if (!rl.children.length) rl.appendChild(el('li', {}, 'none'));
  var fb = document.querySelector('#findings tbody');
  data.findings.forEach(function (f) { var tr = el('tr'); [f.severity, f.id, f.object, f.message, f.fix].forEach(function (t, i) { var td = el('td', {}, t); if (i === 0) td.className = f.severity; tr.appendChild(td); }); fb.appendChild(tr); });
  var eb = document.querySelector('#exposure tbody');
  data.exposure.forEach(function (x) { var tr = el('tr'); [x.workload, x.direction, x.peer, x.ports].forEach(function (t) { tr.appendChild(el('td', {}, t)); }); eb.appendChild(tr); });
  var pl = document.getElementById('problems');
  data.problems.forEach(function (p) { pl.appendChild(el('li', {}, p.where + ': ' + p.message)); });
  if (!pl.children.length) pl.appendChild(el('li', {}, 'none'));
})();
`;
