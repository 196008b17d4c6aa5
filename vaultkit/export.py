"""Graph exports: NetworkX node-link JSON, GraphML, GEXF, DOT, Mermaid and a self-contained HTML page.

Every format is produced from the same ``MultiDiGraph`` (see :mod:`vaultkit.graph`). GraphML and GEXF
hold only scalar attributes, so lists (tags) are joined with commas and missing values are left out.
The HTML page is one file that works offline: data and script are inline, no CDN.
"""

from __future__ import annotations

import html
import json
from typing import Any

import networkx as nx

FORMATS = ("json", "graphml", "gexf", "dot", "mermaid", "html")
"""The export formats :func:`export_graph` knows."""


def _scalar_copy(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    out = nx.MultiDiGraph()
    for node, data in graph.nodes(data=True):
        out.add_node(node, **{k: _scalar(v) for k, v in data.items() if v is not None})
    for u, v, key, data in graph.edges(keys=True, data=True):
        out.add_edge(u, v, key=key, **{k: _scalar(x) for k, x in data.items() if x is not None})
    return out


def _scalar(value: Any) -> Any:
    if isinstance(value, list | tuple | set):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def to_json(graph: nx.MultiDiGraph) -> str:
    """NetworkX node-link data: ``nodes`` (with ``id``, ``kind``, ``title``, ``tags``) and ``edges``."""
    data = nx.node_link_data(graph, edges="edges")
    return json.dumps(data, ensure_ascii=False, indent=1)


def to_graphml(graph: nx.MultiDiGraph) -> str:
    """GraphML (opens in yEd, Gephi, Cytoscape)."""
    return "\n".join(nx.generate_graphml(_scalar_copy(graph))) + "\n"


def to_gexf(graph: nx.MultiDiGraph) -> str:
    """GEXF (Gephi's own format)."""
    return "\n".join(nx.generate_gexf(_scalar_copy(graph))) + "\n"


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def to_dot(graph: nx.MultiDiGraph, name: str = "vault") -> str:
    """Graphviz DOT: one node per vertex (labelled by title), one edge per link occurrence."""
    shapes = {"note": "box", "attachment": "note", "unresolved": "box", "tag": "ellipse"}
    lines = [f"digraph {_dot_id(name)} {{", "  rankdir=LR;", '  node [fontname="sans-serif"];']
    for node, data in graph.nodes(data=True):
        kind = data.get("kind", "note")
        attrs = [f"label={_dot_id(str(data.get('title', node)))}", f"shape={shapes.get(kind, 'box')}"]
        if kind == "unresolved":
            attrs.append("style=dashed")
        lines.append(f"  {_dot_id(str(node))} [{', '.join(attrs)}];")
    for u, v, data in graph.edges(data=True):
        style = " [style=dotted]" if data.get("kind") == "tag" else ""
        lines.append(f"  {_dot_id(str(u))} -> {_dot_id(str(v))}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_label(text: str) -> str:
    return text.replace('"', "#quot;").replace("\n", " ")


def to_mermaid(graph: nx.MultiDiGraph) -> str:
    """A Mermaid flowchart (paste into a Markdown note inside a ```mermaid fence)."""
    ids = {node: f"n{i}" for i, node in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    for node, data in graph.nodes(data=True):
        label = _mermaid_label(str(data.get("title", node)))
        kind = data.get("kind", "note")
        shape = f'(("{label}"))' if kind == "tag" else f'["{label}"]'
        lines.append(f"  {ids[node]}{shape}")
    seen: set[tuple[str, str]] = set()
    for u, v, data in graph.edges(data=True):
        arrow = "-.->" if data.get("kind") == "tag" else "-->"
        pair = (ids[u], ids[v])
        if pair in seen:
            continue  # Mermaid draws repeated edges on top of each other; one is enough
        seen.add(pair)
        lines.append(f"  {ids[u]} {arrow} {ids[v]}")
    kinds = {"unresolved": "stroke-dasharray: 4 4", "attachment": "fill:#eef", "tag": "fill:#efe"}
    for kind, style in kinds.items():
        members = [ids[n] for n, d in graph.nodes(data=True) if d.get("kind") == kind]
        if members:
            lines.append(f"  classDef {kind} {style};")
            lines.append(f"  class {','.join(members)} {kind};")
    return "\n".join(lines) + "\n"


def to_html(graph: nx.MultiDiGraph, title: str = "vaultkit graph", groups: dict[str, int] | None = None) -> str:
    """One self-contained, offline HTML page drawing the graph (force layout on a canvas).

    Nodes are coloured by ``groups`` (node -> group number, e.g. topics) or by kind, and sized by
    degree; hovering shows the title, clicking lists the node's links, a search box highlights
    matching nodes.
    """
    nodes = []
    index = {node: i for i, node in enumerate(graph.nodes)}
    for node, data in graph.nodes(data=True):
        nodes.append(
            {
                "id": str(node),
                "t": str(data.get("title", node)),
                "k": data.get("kind", "note"),
                "g": (groups or {}).get(node, -1),
                "d": graph.degree(node),
            }
        )
    edges = sorted({(index[u], index[v]) for u, v in graph.edges() if u != v})
    payload = json.dumps({"nodes": nodes, "edges": edges}, ensure_ascii=False).replace("</", "<\\/")
    return _HTML.replace("__TITLE__", html.escape(title)).replace("__DATA__", payload)


def export_graph(graph: nx.MultiDiGraph, fmt: str, **options: Any) -> str:
    """The graph in one of :data:`FORMATS`, as text."""
    if fmt == "json":
        return to_json(graph)
    if fmt == "graphml":
        return to_graphml(graph)
    if fmt == "gexf":
        return to_gexf(graph)
    if fmt == "dot":
        return to_dot(graph)
    if fmt == "mermaid":
        return to_mermaid(graph)
    if fmt == "html":
        return to_html(graph, **options)
    raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


_HTML = r"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>__TITLE__</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
html,body{margin:0;height:100%;font:14px system-ui,sans-serif;background:#fafafa;color:#222}
#bar{position:fixed;top:8px;left:8px;z-index:2;background:#fff;padding:6px 8px;border:1px solid #ddd;border-radius:6px}
#bar input{width:220px;padding:3px}
#info{position:fixed;top:8px;right:8px;z-index:2;max-width:320px;max-height:80%;overflow:auto;background:#fff;
border:1px solid #ddd;border-radius:6px;padding:8px;display:none}
#tip{position:fixed;pointer-events:none;background:#333;color:#fff;padding:2px 6px;border-radius:4px;display:none}
canvas{display:block}
</style></head><body>
<div id="bar"><b>__TITLE__</b> <input id="q" placeholder="search a note…" aria-label="search"> <span id="count"></span></div>
<div id="info"></div><div id="tip"></div><canvas id="c"></canvas>
<script>
const DATA = __DATA__;
const N = DATA.nodes, E = DATA.edges, cv = document.getElementById('c'), cx = cv.getContext('2d');
const palette = ['#4e79a7','#f28e2b','#e15759','#76b7b2','#59a14f','#edc948','#b07aa1','#ff9da7','#9c755f','#bab0ac'];
const kindColor = {note:'#4e79a7', attachment:'#59a14f', unresolved:'#bbbbbb', tag:'#f28e2b'};
let W = 0, H = 0, scale = 1, ox = 0, oy = 0, hover = -1, selected = -1, query = '';
function resize(){ W = cv.width = innerWidth; H = cv.height = innerHeight; }
addEventListener('resize', () => { resize(); draw(); }); resize();
const adj = N.map(() => []);
E.forEach(([a, b]) => { adj[a].push(b); adj[b].push(a); });
// deterministic start positions on a spiral
N.forEach((n, i) => { const r = 12 * Math.sqrt(i), a = i * 2.399963; n.x = r * Math.cos(a); n.y = r * Math.sin(a);
  n.vx = 0; n.vy = 0; n.r = 3 + 2.2 * Math.sqrt(n.d); });
function color(n){ return n.g >= 0 ? palette[n.g % palette.length] : (kindColor[n.k] || '#4e79a7'); }
function step(){
  const k = 30, cells = new Map(), cs = 80;
  N.forEach((n, i) => { const key = Math.floor(n.x / cs) + ',' + Math.floor(n.y / cs);
    (cells.get(key) || cells.set(key, []).get(key)).push(i); });
  N.forEach((n, i) => { const gx = Math.floor(n.x / cs), gy = Math.floor(n.y / cs);
    for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) {
      const list = cells.get((gx + dx) + ',' + (gy + dy)); if (!list) continue;
      for (const j of list) { if (j <= i) continue; const m = N[j];
        let ddx = n.x - m.x, ddy = n.y - m.y, d2 = ddx * ddx + ddy * ddy + 0.01;
        if (d2 > cs * cs) continue; const f = k * k / d2 * 0.05;
        n.vx += ddx * f; n.vy += ddy * f; m.vx -= ddx * f; m.vy -= ddy * f; } } });
  E.forEach(([a, b]) => { const n = N[a], m = N[b]; const dx = m.x - n.x, dy = m.y - n.y;
    const d = Math.sqrt(dx * dx + dy * dy) + 0.01, f = (d - k) * 0.02;
    n.vx += dx / d * f; n.vy += dy / d * f; m.vx -= dx / d * f; m.vy -= dy / d * f; });
  N.forEach(n => { n.vx -= n.x * 0.002; n.vy -= n.y * 0.002; n.x += n.vx * 0.5; n.y += n.vy * 0.5;
    n.vx *= 0.6; n.vy *= 0.6; });
}
for (let i = 0; i < Math.min(400, 40000 / Math.max(1, N.length) + 60); i++) step();
function fit(){ let x0 = 1e9, y0 = 1e9, x1 = -1e9, y1 = -1e9;
  N.forEach(n => { x0 = Math.min(x0, n.x); y0 = Math.min(y0, n.y); x1 = Math.max(x1, n.x); y1 = Math.max(y1, n.y); });
  if (!N.length) return; scale = Math.min(W / (x1 - x0 + 60), H / (y1 - y0 + 60), 4);
  ox = W / 2 - scale * (x0 + x1) / 2; oy = H / 2 - scale * (y0 + y1) / 2; }
fit();
function sx(n){ return n.x * scale + ox; } function sy(n){ return n.y * scale + oy; }
function draw(){
  cx.clearRect(0, 0, W, H); cx.lineWidth = 0.6; cx.strokeStyle = 'rgba(120,120,120,0.35)';
  cx.beginPath(); E.forEach(([a, b]) => { cx.moveTo(sx(N[a]), sy(N[a])); cx.lineTo(sx(N[b]), sy(N[b])); }); cx.stroke();
  let shown = 0;
  N.forEach((n, i) => { const hit = query && (n.t.toLowerCase().includes(query) || n.id.toLowerCase().includes(query));
    if (hit) shown++;
    cx.beginPath(); cx.arc(sx(n), sy(n), n.r * Math.sqrt(scale), 0, 2 * Math.PI);
    cx.fillStyle = query && !hit ? '#e4e4e4' : color(n); cx.fill();
    if (i === selected || hit) { cx.lineWidth = 2; cx.strokeStyle = '#000'; cx.stroke(); cx.lineWidth = 0.6;
      cx.strokeStyle = 'rgba(120,120,120,0.35)'; } });
  document.getElementById('count').textContent = query ? shown + ' match' + (shown === 1 ? '' : 'es') : N.length + ' nodes';
  window.__drawn = N.length;
}
function pick(x, y){ let best = -1, bd = 1e9;
  N.forEach((n, i) => { const d = Math.hypot(sx(n) - x, sy(n) - y); if (d < Math.max(6, n.r * Math.sqrt(scale) + 2) && d < bd) { bd = d; best = i; } });
  return best; }
const tip = document.getElementById('tip'), info = document.getElementById('info');
cv.addEventListener('mousemove', ev => { hover = pick(ev.clientX, ev.clientY);
  if (hover >= 0) { tip.style.display = 'block'; tip.style.left = ev.clientX + 12 + 'px'; tip.style.top = ev.clientY + 8 + 'px';
    tip.textContent = N[hover].t; } else tip.style.display = 'none'; });
function esc(s){ return s.replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c])); }
cv.addEventListener('click', ev => { selected = pick(ev.clientX, ev.clientY); draw();
  if (selected < 0) { info.style.display = 'none'; return; } const n = N[selected];
  const out = E.filter(e => e[0] === selected).map(e => N[e[1]]), inc = E.filter(e => e[1] === selected).map(e => N[e[0]]);
  info.innerHTML = '<b>' + esc(n.t) + '</b><br><small>' + esc(n.id) + '</small><p>Links to (' + out.length + '):</p><ul>' +
    out.map(m => '<li>' + esc(m.t) + '</li>').join('') + '</ul><p>Linked from (' + inc.length + '):</p><ul>' +
    inc.map(m => '<li>' + esc(m.t) + '</li>').join('') + '</ul>'; info.style.display = 'block'; });
let drag = null;
cv.addEventListener('mousedown', ev => { drag = [ev.clientX - ox, ev.clientY - oy]; });
addEventListener('mouseup', () => { drag = null; });
addEventListener('mousemove', ev => { if (drag) { ox = ev.clientX - drag[0]; oy = ev.clientY - drag[1]; draw(); } });
cv.addEventListener('wheel', ev => { ev.preventDefault(); const f = ev.deltaY < 0 ? 1.15 : 1 / 1.15;
  ox = ev.clientX - (ev.clientX - ox) * f; oy = ev.clientY - (ev.clientY - oy) * f; scale *= f; draw(); }, {passive:false});
document.getElementById('q').addEventListener('input', ev => { query = ev.target.value.trim().toLowerCase(); draw(); });
draw();
</script></body></html>
"""
