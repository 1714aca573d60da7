"""The security-group graph (``flowsg report graph``): who may talk to whom, and how much did.

Built only from the other reports (:func:`~flowsg.report.rules.report_rules`,
:func:`~flowsg.report.rules.group_evidence`, :func:`~flowsg.report.rejects.report_rejects`,
:func:`~flowsg.report.rejects.scan_noise`) and the snapshot's tables:

* **Nodes**: every security group, with how many interfaces it is attached to and how many of
  them appear in the logs; and the peers its rules name that are not groups of the snapshot:
  CIDRs, prefix lists, groups of other accounts. Such a peer is drawn once as a source (the
  peer of ingress rules, on the left) and once as a destination (of egress rules, on the right),
  so traffic reads from left to right.
* **Rule edges**, one per rule: an ingress rule from its peer to its group, an egress rule from
  its group to its peer; width by the records it allowed (``hits``, on a log scale), colour by
  its status; a rule that allowed nothing (unused, no evidence, unresolvable) is dashed.
* **REJECT hot spots**: a group whose interfaces had REJECTs outside internet scan noise is
  marked with their count, and every smallest fix of ``flowsg report rejects`` is a red edge from
  the remote group (or address) to the group it names, width by the records it would let through.

Renderings: :meth:`SecurityGroupGraph.to_svg` (Graphviz's ``dot`` when it is on PATH, else a
pure-Python layered layout), :meth:`~SecurityGroupGraph.to_dot`,
:meth:`~SecurityGroupGraph.to_mermaid`. Every text taken from the snapshot or the logs is
escaped for the format it goes into.
"""

from __future__ import annotations

import ipaddress
import math
import re
import shutil
import subprocess
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

import duckdb
from markupsafe import Markup

from .. import sql
from ..errors import UsageError
from .filters import Time, check_known
from .rejects import rejects_with_noise
from .rules import rules_with_evidence
from .templating import environment

GRAPH_FORMATS = ("svg", "dot", "mermaid")
"""The formats of ``flowsg report graph --format``."""

LAYOUTS = ("auto", "graphviz", "builtin")
"""How an SVG is laid out: Graphviz's ``dot`` when on PATH (auto), always dot, or never."""

STATUS_COLOURS = {
    "used": "#2e7d32",
    "redundant": "#ef8f00",
    "unused": "#9e9e9e",
    "no evidence": "#b0bec5",
    "unresolvable": "#8e24aa",
    "reject": "#c62828",
}
"""Edge colours: a rule's status, or a REJECT edge."""

MIN_WIDTH = 1.0
MAX_WIDTH = 7.0
"""Edge widths: a rule without hits is MIN_WIDTH; the busiest edge MAX_WIDTH (log scale)."""

DOT_TIMEOUT = 120
"""Seconds Graphviz may take to lay out the graph when asked for (``layout="graphviz"``)."""

AUTO_DOT_EDGES = 300
AUTO_DOT_TIMEOUT = 30
"""``layout="auto"`` uses Graphviz only for graphs of at most this many edges, and gives up on it
after this many seconds: dot's time grows steeply with the edges (600 random ones take minutes),
flowsg's own layout stays under a second."""

_FIX = re.compile(
    r"^allow (?P<traffic>.+) (?P<direction>ingress|egress) on (?P<group>\S+) "
    r"(?:from|to) (?P<peer>\S+)$"
)
_KIND_ORDER = {"cidr": 0, "prefix_list": 1, "external_group": 2}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

LEGEND = (
    ("used", "a rule: width by the records it allowed (log scale)"),
    ("redundant", "a redundant rule (every flow it allowed, another rule allowed too)"),
    ("unused", "dashed: a rule that allowed nothing (unused, no evidence, unresolvable)"),
    ("reject", "REJECTed: the rule the smallest fix would add, width by the records"),
    ("hot", "red group: REJECTs on its interfaces (internet scan noise apart)"),
)
"""The legend drawn with every rendering: (style, meaning)."""


@dataclass(frozen=True)
class GraphNode:
    """A node: a security group of the snapshot (``kind`` ``group``), or a peer of its rules
    (``cidr``, ``prefix_list``, ``external_group``) as a ``source`` or ``destination``."""

    id: str  # n0, n1, ...: safe in every format
    kind: str  # group | cidr | prefix_list | external_group
    role: str  # group | source | destination
    key: str  # sg-..., the CIDR, pl-...
    name: str | None
    detail: str | None  # the group's description, the other account, ...
    interfaces: int | None = None
    logged_interfaces: int | None = None
    rejected: int = 0  # REJECT records on its interfaces, scan noise apart
    scan_noise: int = 0

    @property
    def hot(self) -> bool:
        """A REJECT hot spot: its interfaces had REJECTs outside internet scan noise."""
        return self.rejected > 0

    @property
    def label(self) -> list[str]:
        """The lines drawn in the node."""
        if self.kind == "group":
            lines = [self.name or self.key]
            if self.name:
                lines.append(self.key)
            n = self.interfaces or 0
            if n:
                plural = "" if n == 1 else "s"
                lines.append(f"{n:,} interface{plural}, {self.logged_interfaces or 0:,} logging")
            else:
                lines.append("no interface")
            if self.rejected:
                lines.append(f"\u26a0 {self.rejected:,} rejected")
            if self.scan_noise:
                lines.append(f"scan noise {self.scan_noise:,}")
            return lines
        if self.kind == "cidr":
            lines = [self.key]
            if _everything(self.key):
                lines.append("internet")
            return lines
        if self.kind == "prefix_list":
            return [self.name, self.key] if self.name else [self.key]
        return [self.key, self.detail or "not in the snapshot"]

    @property
    def title(self) -> str:
        """The tooltip: what the node is, with the snapshot's description."""
        lines = [" ".join(self.label)]
        if self.detail and self.kind == "group":
            lines.append(self.detail)
        if self.kind == "external_group":
            lines.append("a group the snapshot does not hold: its members are unknown")
        return "\n".join(lines)


@dataclass(frozen=True)
class GraphEdge:
    """An edge: a rule (``kind`` ``rule``) or the rule the smallest fix of rejected traffic
    would add (``kind`` ``reject``), in the direction traffic flows."""

    source: str
    target: str
    kind: str  # rule | reject
    rule_id: str | None
    direction: str  # ingress | egress
    traffic: str  # 'tcp 443', 'all traffic'
    status: str  # the rule's status, or 'reject'
    records: int  # hits (records allowed) of a rule; records rejected for a reject edge
    sole_hits: int
    description: str | None
    width: float
    title: str

    @property
    def dashed(self) -> bool:
        """A rule that allowed nothing in the window."""
        return self.kind == "rule" and self.records == 0

    @property
    def colour(self) -> str:
        return STATUS_COLOURS.get(self.status, STATUS_COLOURS["unused"])

    @property
    def label(self) -> list[str]:
        if self.kind == "reject":
            return [f"REJECT {self.traffic}", f"{self.records:,} records"]
        if self.records:
            return [self.traffic, f"{self.records:,} hit{'' if self.records == 1 else 's'}"]
        return [self.traffic, self.status]


@dataclass(frozen=True)
class SecurityGroupGraph:
    """Security groups, the peers of their rules, and the rules between them (see the module
    documentation); render with :meth:`to_svg`, :meth:`to_dot` or :meth:`to_mermaid`."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]

    def node(self, node_id: str) -> GraphNode:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def to_dot(self) -> str:
        """Graphviz DOT: every text in a quoted string, backslashes and quotes escaped."""
        return _dot(self)

    def to_mermaid(self) -> str:
        """A Mermaid flowchart: texts quoted, with Mermaid's entity codes for ``#&<>"|```."""
        return _mermaid(self)

    @property
    def graphviz_sized(self) -> bool:
        """Small enough for Graphviz under ``layout="auto"`` (:data:`AUTO_DOT_EDGES`)."""
        return len(self.edges) <= AUTO_DOT_EDGES

    def to_svg(self, layout: str = "auto", *, standalone: bool = True) -> str:
        """SVG, laid out by Graphviz's ``dot`` (``layout="graphviz"``; ``"auto"``: when it is
        on PATH, the graph has at most :data:`AUTO_DOT_EDGES` edges and dot finishes within
        :data:`AUTO_DOT_TIMEOUT` seconds) or by flowsg's own layered layout (``"builtin"``, and
        ``"auto"`` otherwise). ``standalone=False`` leaves out the XML declaration, to inline it
        in HTML."""
        if layout not in LAYOUTS:
            raise UsageError(f"unknown layout {layout!r}", "use one of: " + ", ".join(LAYOUTS))
        dot = shutil.which("dot")
        if layout == "graphviz" and dot is None:
            raise UsageError(
                "Graphviz's dot is not on PATH", "install graphviz, or use --layout builtin"
            )
        strict = layout == "graphviz"
        if dot is not None and (strict or (layout == "auto" and self.graphviz_sized)):
            timeout = DOT_TIMEOUT if strict else AUTO_DOT_TIMEOUT
            svg = _graphviz_svg(dot, self.to_dot(), strict=strict, timeout=timeout)
            if svg is not None:
                return svg if standalone else svg[svg.index("<svg") :]
        return _builtin_svg(self, standalone=standalone)


def security_group_graph(
    con: duckdb.DuckDBPyConnection,
    *,
    group: str | None = None,
    since: Time | None = None,
    until: Time | None = None,
) -> SecurityGroupGraph:
    """The security-group graph of the database `flowsg analyze` left (see the module
    documentation). ``group`` keeps that group, the edges that touch it and their other ends;
    ``since``/``until`` restrict the traffic counted (as the reports they come from do)."""
    check_known(con, group or None, None)
    rules_table, evidence_table = rules_with_evidence(con, since=since, until=until)
    rules, evidence = rules_table.to_pylist(), evidence_table.to_pylist()
    rejects_table, noise_table = rejects_with_noise(con, since=since, until=until)
    rejects, noise = rejects_table.to_pylist(), noise_table.to_pylist()
    return build_graph(con, rules, evidence, rejects, noise, group=group or None)


def build_graph(
    con: duckdb.DuckDBPyConnection,
    rules: Sequence[Mapping[str, Any]],
    evidence: Sequence[Mapping[str, Any]],
    rejects: Sequence[Mapping[str, Any]],
    noise: Sequence[Mapping[str, Any]],
    *,
    group: str | None = None,
) -> SecurityGroupGraph:
    """The graph from the rows of report_rules, group_evidence, report_rejects and scan_noise
    (the HTML report computes them once for its sections and the graph)."""
    details = {
        gid: (name, description, name_tag)
        for gid, name, description, _vpc, _owner, name_tag in sql.fetchall(
            con, "report/group_details"
        )
    }
    peers = {
        rule_id: (kind, peer, account)
        for rule_id, kind, peer, account in sql.fetchall(con, "report/graph_rule_peers")
    }
    names = {ident: name for ident, name, _ in sql.fetchall(con, "report/rules_names")}
    seen = {e["group_id"]: e for e in evidence}
    rejected: dict[str, int] = defaultdict(int)
    for r in rejects:
        for gid in r["group_ids"] or []:
            rejected[gid] += int(r["records"] or 0)
    probed: dict[str, int] = defaultdict(int)
    for r in noise:
        for gid in r["group_ids"] or []:
            probed[gid] += int(r["records"] or 0)

    builder = _Builder()
    for gid, (name, description, name_tag) in details.items():
        ev = seen.get(gid)
        detail = description
        if name_tag and name_tag != name:
            detail = f"{description or ''} (Name tag: {name_tag})".strip()
        builder.add_node(
            ("group", gid),
            kind="group",
            role="group",
            key=gid,
            name=name,
            detail=detail,
            interfaces=int(ev["interfaces"]) if ev else 0,
            logged_interfaces=int(ev["logged_interfaces"]) if ev else 0,
            rejected=rejected.get(gid, 0),
            scan_noise=probed.get(gid, 0),
        )

    def peer_node(kind: str, peer: str, account: str | None, role: str) -> tuple[str, ...]:
        if kind == "security_group" and ("group", peer) in builder.keys:
            return ("group", peer)
        node_kind = {"security_group": "external_group", "prefix_list": "prefix_list"}.get(
            kind, "cidr"
        )
        detail = f"account {account}" if node_kind == "external_group" and account else None
        key = (role, node_kind, peer)
        builder.add_node(
            key,
            kind=node_kind,
            role=role,
            key=peer,
            name=names.get(peer) if node_kind == "prefix_list" else None,
            detail=detail,
        )
        return key

    for r in rules:
        kind, peer, account = peers.get(r["rule_id"], ("cidr4", r["peer"], None))
        local = ("group", r["group_id"])
        if local not in builder.keys:  # a rule of a group listed nowhere else
            builder.add_node(local, kind="group", role="group", key=r["group_id"],
                             name=r["group_name"], detail=None)  # fmt: skip
        ingress = r["direction"] == "ingress"
        other = peer_node(kind, peer, account, "source" if ingress else "destination")
        side = "from" if ingress else "to"
        title = [
            f"{r['rule_id']} ({r['status']}): {r['group_name'] or r['group_id']} "
            f"{r['direction']} {r['ports']} {side} {_named(peer, names)}",
        ]
        if r["description"]:
            title.append(r["description"])
        title.append(
            f"{int(r['hits']):,} hits, {int(r['sole_hits']):,} sole, "
            f"{int(r['return_hits']):,} return"
        )
        builder.add_edge(
            other if ingress else local,
            local if ingress else other,
            kind="rule",
            rule_id=r["rule_id"],
            direction=r["direction"],
            traffic=r["ports"],
            status=r["status"],
            records=int(r["hits"]),
            sole_hits=int(r["sole_hits"]),
            description=r["description"],
            title="\n".join(title),
        )

    fixes: dict[str, int] = defaultdict(int)
    for r in rejects:
        if r["smallest_fix"]:
            fixes[r["smallest_fix"]] += int(r["records"] or 0)
    for fix, records in sorted(fixes.items(), key=lambda kv: (-kv[1], kv[0])):
        m = _FIX.match(fix)
        if m is None or ("group", m["group"]) not in builder.keys:
            continue
        ingress = m["direction"] == "ingress"
        kind = "security_group" if m["peer"].startswith("sg-") else "cidr4"
        other = peer_node(kind, m["peer"], None, "source" if ingress else "destination")
        local = ("group", m["group"])
        builder.add_edge(
            other if ingress else local,
            local if ingress else other,
            kind="reject",
            rule_id=None,
            direction=m["direction"],
            traffic=m["traffic"],
            status="reject",
            records=records,
            sole_hits=0,
            description=None,
            title=f"{records:,} REJECTed record(s); smallest fix: {fix}",
        )
    return builder.build(group)


@dataclass
class _Builder:
    nodes: dict[tuple[str, ...], dict[str, Any]] = field(default_factory=dict)
    edges: list[dict[str, Any]] = field(default_factory=list)

    @property
    def keys(self) -> Mapping[tuple[str, ...], Any]:
        return self.nodes

    def add_node(self, ident: tuple[str, ...], **attrs: Any) -> None:
        self.nodes.setdefault(ident, attrs)

    def add_edge(self, source: tuple[str, ...], target: tuple[str, ...], **attrs: Any) -> None:
        self.edges.append({"source": source, "target": target, **attrs})

    def build(self, group: str | None) -> SecurityGroupGraph:
        edges = self.edges
        keep = set(self.nodes)
        if group is not None:
            focus = ("group", group)
            edges = [e for e in edges if focus in (e["source"], e["target"])]
            keep = {focus} | {e["source"] for e in edges} | {e["target"] for e in edges}
        groups = [k for k in self.nodes if k[0] == "group" and k in keep]
        others = sorted(
            (k for k in self.nodes if k[0] != "group" and k in keep),
            key=lambda k: (k[0] != "source", _KIND_ORDER.get(k[1], 9), _sort_key(k[2])),
        )
        ids = {key: f"n{i}" for i, key in enumerate([*groups, *others])}
        nodes = tuple(GraphNode(id=ids[k], **self.nodes[k]) for k in ids)
        busiest = max((int(e["records"]) for e in edges), default=0)
        built = tuple(
            GraphEdge(
                **{
                    **e,
                    "source": ids[e["source"]],
                    "target": ids[e["target"]],
                    "width": edge_width(int(e["records"]), busiest),
                }
            )
            for e in edges
        )
        return SecurityGroupGraph(nodes, built)


def edge_width(records: int, busiest: int) -> float:
    """MIN_WIDTH for nothing, MAX_WIDTH for the busiest edge, log scale in between."""
    if records <= 0 or busiest <= 0:
        return MIN_WIDTH
    share = math.log1p(records) / math.log1p(busiest)
    return round(MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * share, 2)


def _sort_key(text: str) -> tuple[int, int, str]:
    """CIDRs in address order (IPv4 first), other ids by text."""
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return (9, 0, text)
    return (net.version, int(net.network_address), text)


def _everything(cidr: str) -> bool:
    try:
        return ipaddress.ip_network(cidr, strict=False).prefixlen == 0
    except ValueError:
        return False


def _named(ident: str, names: Mapping[str, str | None]) -> str:
    name = names.get(ident)
    return f"{ident} ({name})" if name else ident


# --- DOT -----------------------------------------------------------------------------------------

_FONT = "Helvetica,Arial,sans-serif"


def dot_string(text: str) -> str:
    """A DOT quoted string holding ``text`` literally: backslash and double quote escaped (so no
    ``\\N``-style escape of Graphviz applies), control characters as spaces."""
    clean = _CONTROL.sub(" ", text)
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot_lines(lines: Iterable[str], end: str = "\\n") -> str:
    """Several lines as one DOT label: each escaped, joined by Graphviz's line break."""
    escaped = [dot_string(line)[1:-1] for line in lines]
    return '"' + end.join(escaped) + (end if end != "\\n" else "") + '"'


def _dot_attrs(attrs: Mapping[str, str | float]) -> str:
    parts = []
    for name, value in attrs.items():
        shown = (
            value if isinstance(value, str) and value.startswith('"') else dot_string(str(value))
        )
        parts.append(f"{name}={shown}")
    return "[" + ", ".join(parts) + "]"


def _node_style(kind: str, rejected: int = 0, hottest: int = 0) -> dict[str, str]:
    """Fill, outline and outline width of a node, shared by every rendering: a hot group's
    outline grows with its share of the REJECTs."""
    if kind == "group":
        if rejected > 0:
            share = rejected / hottest if hottest else 1.0
            return {"fill": "#fdecea", "stroke": "#c62828", "width": f"{1.5 + 2.5 * share:.2f}"}
        return {"fill": "#eef3f8", "stroke": "#546e7a", "width": "1"}
    if kind == "prefix_list":
        return {"fill": "#e8f5e9", "stroke": "#558b2f", "width": "1"}
    if kind == "external_group":
        return {"fill": "#f3e5f5", "stroke": "#8e24aa", "width": "1"}
    return {"fill": "#fff8e1", "stroke": "#a1887f", "width": "1"}


def _dot(graph: SecurityGroupGraph) -> str:
    hottest = max((n.rejected for n in graph.nodes), default=0)
    out = [
        'digraph "security groups" {',
        f'  graph [rankdir=LR, ranksep=1.2, nodesep=0.3, fontname="{_FONT}", '
        'tooltip="security groups"];',
        f'  node [shape=box, style="rounded,filled", fontname="{_FONT}", fontsize=10];',
        f'  edge [fontname="{_FONT}", fontsize=9, arrowsize=0.7];',
    ]
    for node in graph.nodes:
        style = _node_style(node.kind, node.rejected, hottest)
        attrs: dict[str, str | float] = {
            "label": _dot_lines(node.label),
            "tooltip": _dot_lines(node.title.splitlines()),
            "fillcolor": style["fill"],
            "color": style["stroke"],
            "penwidth": style["width"],
        }
        if node.kind == "cidr":
            attrs["style"] = "rounded,filled"
            attrs["shape"] = "box"
        elif node.kind == "prefix_list":
            attrs["shape"] = "folder"
            attrs["style"] = "filled"
        elif node.kind == "external_group":
            attrs["style"] = "rounded,filled,dashed"
        if node.hot:
            attrs["fontcolor"] = "#b71c1c"
        out.append(f"  {node.id} {_dot_attrs(attrs)};")
    for role, rank in (("source", "source"), ("destination", "sink")):
        members = [n.id for n in graph.nodes if n.role == role]
        if members:
            out.append(f"  {{ rank={rank}; {'; '.join(members)}; }}")
    for edge in graph.edges:
        attrs = {
            "label": _dot_lines(edge.label),
            "tooltip": _dot_lines(edge.title.splitlines()),
            "color": edge.colour,
            "fontcolor": edge.colour,
            "penwidth": f"{edge.width:g}",
            "style": "dashed" if edge.dashed else "solid",
        }
        if edge.kind == "reject":
            attrs["arrowhead"] = "tee"
        out.append(f"  {edge.source} -> {edge.target} {_dot_attrs(attrs)};")
    legend = [f"{style}: {text}" for style, text in LEGEND]
    out.append(
        f"  legend {_dot_attrs({'shape': 'note', 'fontsize': '9', 'fillcolor': '#ffffff', 'style': 'filled', 'label': _dot_lines(legend, end=chr(92) + 'l')})};"  # noqa: E501
    )
    out.append("}")
    return "\n".join(out) + "\n"


def _graphviz_svg(dot: str, text: str, *, strict: bool, timeout: float) -> str | None:
    """Graphviz's SVG of the DOT text; None (or UsageError when strict) if it fails or the SVG
    holds anything active (it never should: Graphviz escapes every label)."""
    try:
        run = subprocess.run(
            [dot, "-Tsvg"], input=text.encode("utf-8"), capture_output=True,
            timeout=timeout, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        if strict:
            raise UsageError(f"Graphviz's dot failed: {exc}", "use --layout builtin") from exc
        return None
    svg = run.stdout.decode("utf-8", errors="replace")
    problem: str | None = None
    if run.returncode != 0 or "<svg" not in svg:
        said = run.stderr.decode("utf-8", errors="replace").strip().splitlines()[:1]
        problem = f"Graphviz's dot failed: {said[0] if said else run.returncode}"
    elif not _inert(svg):
        problem = "Graphviz's SVG is not well-formed or holds active content"
    if problem is None:
        return svg
    if strict:
        raise UsageError(problem, "use --layout builtin")
    return None


def _inert(svg: str) -> bool:
    """Whether an SVG is well-formed XML without a script, foreign object, event handler or
    javascript: link: what Graphviz writes, checked instead of trusted."""
    try:
        root = ElementTree.fromstring(svg.encode("utf-8"))
    except ElementTree.ParseError:
        return False
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1].lower()
        if name in ("script", "foreignobject", "iframe", "object", "embed"):
            return False
        for attribute, value in element.attrib.items():
            if attribute.rsplit("}", 1)[-1].lower().startswith("on"):
                return False
            if value.strip().lower().startswith("javascript:"):
                return False
    return True


# --- Mermaid -------------------------------------------------------------------------------------

_MERMAID_CODES = {"#": "#35;", "&": "#38;", "<": "#60;", ">": "#62;", '"': "#34;", "|": "#124;",
                  "`": "#96;"}  # fmt: skip


def mermaid_text(text: str) -> str:
    """Text for a quoted Mermaid label: the characters Mermaid would read as markup or syntax as
    its entity codes (``<`` is ``#60;``), control characters as spaces."""
    return "".join(_MERMAID_CODES.get(c, c) for c in _CONTROL.sub(" ", text))


def _mermaid(graph: SecurityGroupGraph) -> str:
    shapes = {
        "group": ('["', '"]'),
        "cidr": ('(["', '"])'),
        "prefix_list": ('[("', '")]'),
        "external_group": ('[["', '"]]'),
    }
    out = ["flowchart LR"]
    out += [f"  %% {mermaid_text(f'{style}: {text}')}" for style, text in LEGEND]
    for node in graph.nodes:
        left, right = shapes.get(node.kind, ('["', '"]'))
        label = "<br/>".join(mermaid_text(line) for line in node.label)
        out.append(f"  {node.id}{left}{label}{right}")
    styles = []
    for i, edge in enumerate(graph.edges):
        arrow = "-.->" if edge.dashed else ("--x" if edge.kind == "reject" else "-->")
        label = "<br/>".join(mermaid_text(line) for line in edge.label)
        out.append(f'  {edge.source} {arrow}|"{label}"| {edge.target}')
        styles.append(
            f"  linkStyle {i} stroke:{edge.colour},stroke-width:{edge.width:g}px,"
            f"color:{edge.colour}"
        )
    out += styles
    classes: dict[str, list[str]] = defaultdict(list)
    for node in graph.nodes:
        if node.hot:
            classes["hot"].append(node.id)
        elif node.kind != "group":
            classes[node.kind.replace("_", "")].append(node.id)
    definitions = {
        "hot": _node_style("group", 1, 1),
        "cidr": _node_style("cidr"),
        "prefixlist": _node_style("prefix_list"),
        "externalgroup": _node_style("external_group"),
    }
    for name, members in classes.items():
        style = definitions[name]
        out.append(
            f"  classDef {name} fill:{style['fill']},stroke:{style['stroke']},"
            f"stroke-width:{style['width']}px"
        )
        out.append(f"  class {','.join(members)} {name}")
    return "\n".join(out) + "\n"


# --- the built-in layout -------------------------------------------------------------------------

_CHAR_W = 6.6
_LINE_H = 15.0
_PAD_X = 10.0
_PAD_Y = 7.0
_GAP_Y = 22.0
_GAP_X = 170.0
_MARGIN = 24.0


@dataclass
class _Box:
    node: GraphNode
    layer: int
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


def _layers(graph: SecurityGroupGraph) -> dict[str, int]:
    """Sources in layer 0, groups by the longest chain of group-to-group edges (cycles broken
    where a depth-first search finds them), destinations after the last group."""
    role = {n.id: n.role for n in graph.nodes}
    groups = [n.id for n in graph.nodes if n.role == "group"]
    succ: dict[str, set[str]] = defaultdict(set)
    for e in graph.edges:
        if e.source != e.target and role[e.source] == role[e.target] == "group":
            succ[e.source].add(e.target)
    colour: dict[str, int] = {}  # 1: on the stack, 2: done
    dag: dict[str, set[str]] = defaultdict(set)
    for root in groups:
        if root in colour:
            continue
        colour[root] = 1
        stack = [(root, iter(sorted(succ[root], key=_natural)))]
        while stack:
            u, successors = stack[-1]
            for v in successors:
                state = colour.get(v)
                if state is None:
                    dag[u].add(v)
                    colour[v] = 1
                    stack.append((v, iter(sorted(succ[v], key=_natural))))
                    break
                if state == 2:
                    dag[u].add(v)
            else:
                colour[u] = 2
                stack.pop()
    indegree = {g: 0 for g in groups}
    for u in dag:
        for v in dag[u]:
            indegree[v] += 1
    layer = {g: 1 for g in groups}
    ready = [g for g in groups if indegree[g] == 0]
    while ready:
        u = ready.pop()
        for v in sorted(dag[u], key=_natural):
            layer[v] = max(layer[v], layer[u] + 1)
            indegree[v] -= 1
            if indegree[v] == 0:
                ready.append(v)
    last = max(layer.values(), default=0) + 1
    for n in graph.nodes:
        if n.role == "source":
            layer[n.id] = 0
        elif n.role == "destination":
            layer[n.id] = last
    used = sorted(set(layer.values()))
    compact = {old: new for new, old in enumerate(used)}
    return {k: compact[v] for k, v in layer.items()}


def _natural(node_id: str) -> int:
    return int(node_id[1:])


def _order(graph: SecurityGroupGraph, layer: Mapping[str, int]) -> list[list[str]]:
    """Nodes per layer, ordered by the barycenter of their neighbours (a few sweeps)."""
    columns: list[list[str]] = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for n in graph.nodes:
        columns[layer[n.id]].append(n.id)
    neighbours: dict[str, list[str]] = defaultdict(list)
    for e in graph.edges:
        if e.source != e.target:
            neighbours[e.source].append(e.target)
            neighbours[e.target].append(e.source)
    for sweep in range(8):
        position = {
            nid: (i / (len(col) - 1) if len(col) > 1 else 0.5)
            for col in columns
            for i, nid in enumerate(col)
        }
        indices = range(len(columns)) if sweep % 2 == 0 else reversed(range(len(columns)))
        for c in indices:
            col = columns[c]
            current = {nid: i for i, nid in enumerate(col)}

            def bary(
                nid: str,
                current: Mapping[str, int] = current,
                position: Mapping[str, float] = position,
            ) -> tuple[float, int]:
                others = [position[o] for o in neighbours[nid] if layer[o] != layer[nid]]
                mean = sum(others) / len(others) if others else position[nid]
                return (mean, current[nid])

            col.sort(key=bary)
            for i, nid in enumerate(col):
                position[nid] = i / (len(col) - 1) if len(col) > 1 else 0.5
    return columns


def _bezier(p: Sequence[tuple[float, float]], t: float) -> tuple[float, float]:
    u = 1 - t
    a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
    return (
        a * p[0][0] + b * p[1][0] + c * p[2][0] + d * p[3][0],
        a * p[0][1] + b * p[1][1] + c * p[2][1] + d * p[3][1],
    )


Rect = tuple[float, float, float, float]  # x0, y0, x1, y1

_LABEL_STEPS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78)
"""Where along its curve an edge label may go, tried in this order until it overlaps nothing."""


def _overlaps(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


class _Taken:
    """The rectangles placed so far (nodes and labels), in a grid of square cells, so that
    whether a box overlaps any of them is a look at the few rectangles of its own cells: a scan
    of every one was quadratic (3,278 labels of a 100M-record analysis: 58M comparisons, 7 s).
    The answer is the one the full scan gives."""

    CELL = 128.0

    def __init__(self, rects: Iterable[Rect] = ()) -> None:
        self._cells: dict[tuple[int, int], list[Rect]] = defaultdict(list)
        for r in rects:
            self.add(r)

    def _keys(self, r: Rect) -> Iterator[tuple[int, int]]:
        c = self.CELL
        for i in range(math.floor(r[0] / c), math.floor(r[2] / c) + 1):
            for j in range(math.floor(r[1] / c), math.floor(r[3] / c) + 1):
                yield i, j

    def add(self, r: Rect) -> None:
        for key in self._keys(r):
            self._cells[key].append(r)

    def overlaps(self, box: Rect) -> bool:
        # two rectangles that overlap share a point, so a cell of each
        cells = self._cells
        return any(_overlaps(box, other) for key in self._keys(box) for other in cells.get(key, ()))


Segment = tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]


def _place_label(
    segments: Sequence[Segment], lines: Sequence[str], taken: _Taken, lift: float
) -> tuple[float, float]:
    """The centre of an edge's label: the first point along its path (middle segment first)
    where it overlaps no label or node placed so far; the middle when there is none."""
    width = 6.0 * max(len(line) for line in lines) + 4
    height = 12.0 * len(lines) + 2
    middle = (len(segments) - 1) / 2
    ordered = sorted(range(len(segments)), key=lambda i: (abs(i - middle), i))
    best: tuple[float, float] | None = None
    for i in ordered:
        for step in _LABEL_STEPS:
            x, y = _bezier(segments[i], step)
            y -= lift
            box = (x - width / 2, y - height / 2, x + width / 2, y + height / 2)
            if not taken.overlaps(box):
                best = (x, y)
                break
        if best is not None:
            break
    if best is None:
        x, y = _bezier(segments[ordered[0]], 0.5)
        best = (x, y - lift)
    x, y = best
    taken.add((x - width / 2, y - height / 2, x + width / 2, y + height / 2))
    return best


def _curve(a: tuple[float, float], b: tuple[float, float], bend: float = 0.0) -> Segment:
    """A cubic from a to b leaving and arriving horizontally (bent up or down by ``bend``)."""
    dx = (b[0] - a[0]) / 2
    if abs(dx) < 30:
        dx = 30.0 if dx >= 0 else -30.0
    return (a, (a[0] + dx, a[1] + bend), (b[0] - dx, b[1] + bend), b)


def _line(a: tuple[float, float], b: tuple[float, float]) -> Segment:
    third = ((b[0] - a[0]) / 3, (b[1] - a[1]) / 3)
    return (a, (a[0] + third[0], a[1] + third[1]), (b[0] - third[0], b[1] - third[1]), b)


def _builtin_layout(graph: SecurityGroupGraph) -> dict[str, Any]:
    layer = _layers(graph)
    columns = _order(graph, layer)
    boxes: dict[str, _Box] = {}
    for n in graph.nodes:
        lines = n.label
        boxes[n.id] = _Box(
            node=n,
            layer=layer[n.id],
            w=max(90.0, 2 * _PAD_X + _CHAR_W * max(len(line) for line in lines)),
            h=2 * _PAD_Y + _LINE_H * len(lines),
        )
    self_loops = any(e.source == e.target for e in graph.edges)
    top = _MARGIN + (60.0 if self_loops else 0.0)
    heights = [sum(boxes[n].h for n in col) + _GAP_Y * max(len(col) - 1, 0) for col in columns]
    tallest = max(heights, default=0.0)
    x = _MARGIN
    bounds: list[tuple[float, float]] = []
    for col, height in zip(columns, heights, strict=True):
        width = max((boxes[n].w for n in col), default=0.0)
        bounds.append((x, x + width))
        y = top + (tallest - height) / 2
        for nid in col:
            box = boxes[nid]
            box.x = x + (width - box.w) / 2
            box.y = y
            y += box.h + _GAP_Y
        x += width + _GAP_X
    right = x - _GAP_X + _MARGIN
    bottom = top + tallest

    # the free vertical gaps of every column, through which edges that span columns pass
    gaps: list[list[tuple[float, float]]] = []
    for col in columns:
        spans = sorted((boxes[n].y, boxes[n].y + boxes[n].h) for n in col)
        free, previous = [], top - 40.0
        for y0, y1 in spans:
            free.append((previous, y0 - 6.0))
            previous = y1 + 6.0
        free.append((previous, bottom + 40.0))
        gaps.append(free)
    gap_use: dict[tuple[int, int], int] = defaultdict(int)

    def through(c: int, want: float) -> float:
        choice: tuple[int, float] | None = None
        for g, (lo, hi) in enumerate(gaps[c]):
            if hi - lo < 8:
                continue
            y = min(max(want, lo + 4), hi - 4)
            if choice is None or abs(y - want) < abs(choice[1] - want):
                choice = (g, y)
        if choice is None:
            return want
        g, y = choice
        n = gap_use[(c, g)]
        gap_use[(c, g)] += 1
        shift = ((n + 1) // 2) * 5.0 * (1 if n % 2 else -1)
        lo, hi = gaps[c][g]
        return min(max(y + shift, lo + 2), hi - 2)

    parallel: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, e in enumerate(graph.edges):
        parallel[(min(e.source, e.target), max(e.source, e.target))].append(i)
    edges = []
    taken = _Taken((b.x - 2, b.y - 2, b.x + b.w + 2, b.y + b.h + 2) for b in boxes.values())
    for members in parallel.values():
        for k, i in enumerate(members):
            e = graph.edges[i]
            s, t = boxes[e.source], boxes[e.target]
            offset = (k - (len(members) - 1) / 2) * 12.0
            segments: list[Segment] = []
            if e.source == e.target:
                lift = 45.0 + 22.0 * k
                segments.append(
                    (
                        (s.x + s.w * 0.7, s.y),
                        (s.x + s.w * 0.7 + 30, s.y - lift),
                        (s.x + s.w * 0.3 - 30, s.y - lift),
                        (s.x + s.w * 0.3, s.y),
                    )
                )
            elif s.layer != t.layer:
                forward = s.layer < t.layer
                here = (s.x + s.w if forward else s.x, s.cy + offset / 2)
                end = (t.x if forward else t.x + t.w, t.cy + offset / 2)
                bend = offset * 2 + (0.0 if forward else 25.0)
                step = 1 if forward else -1
                for c in range(s.layer + step, t.layer, step):
                    left, right_edge = bounds[c]
                    share = (c - s.layer) / (t.layer - s.layer)
                    y = through(c, here[1] + (end[1] - here[1]) * share)
                    enter, leave = (
                        ((left, y), (right_edge, y)) if forward else ((right_edge, y), (left, y))
                    )
                    segments.append(_curve(here, enter, bend))
                    segments.append(_line(enter, leave))
                    here, bend = leave, 0.0
                segments.append(_curve(here, end, bend))
            else:
                reach = 60.0 + abs(offset) * 2
                segments.append(
                    (
                        (s.x + s.w, s.cy + offset / 2),
                        (s.x + s.w + reach, s.cy + offset / 2),
                        (t.x + t.w + reach, t.cy + offset / 2),
                        (t.x + t.w, t.cy + offset / 2),
                    )
                )
                right = max(right, s.x + s.w + reach + _MARGIN)
            lines = e.label
            mx, my = _place_label(segments, lines, taken, 8.0 if e.source == e.target else 0.0)
            first = my - (len(lines) - 1) * 12.0 / 2 + 4
            path = "M{:.1f},{:.1f}".format(*segments[0][0]) + "".join(
                " C{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}".format(*seg[1], *seg[2], *seg[3])
                for seg in segments
            )
            edges.append(
                {
                    "edge": e,
                    "d": path,
                    "labels": [(mx, first + 12.0 * j, line) for j, line in enumerate(lines)],
                }
            )
            bottom = max(bottom, max(pt[1] for seg in segments for pt in seg) + 10)
            right = max(right, mx + 6 * max(len(line) for line in lines) / 2 + _MARGIN)
    legend_y = bottom + 30.0
    height = legend_y + 18.0 * len(LEGEND) + _MARGIN
    return {
        "boxes": [boxes[n.id] for n in graph.nodes],
        "edges": edges,
        "width": max(right, 560.0),
        "height": height,
        "legend_y": legend_y,
    }


def _builtin_svg(graph: SecurityGroupGraph, *, standalone: bool) -> str:
    layout = _builtin_layout(graph)
    hottest = max((n.rejected for n in graph.nodes), default=0)
    styles = {
        box.node.id: _node_style(box.node.kind, box.node.rejected, hottest)
        for box in layout["boxes"]
    }
    legend = [
        {
            "colour": STATUS_COLOURS.get(style, STATUS_COLOURS["reject"]),
            "dashed": style == "unused",
            "hot": style == "hot",
            "text": text,
        }
        for style, text in LEGEND
    ]
    template = environment().get_template("graph.svg")
    return template.render(
        standalone=standalone,
        width=round(layout["width"]),
        height=round(layout["height"]),
        boxes=layout["boxes"],
        styles=styles,
        edges=layout["edges"],
        markers=sorted(STATUS_COLOURS.items()),
        legend=legend,
        legend_y=layout["legend_y"],
        line_height=_LINE_H,
        pad_y=_PAD_Y,
        summary=_summary(graph),
    )


def _summary(graph: SecurityGroupGraph) -> str:
    groups = sum(1 for n in graph.nodes if n.kind == "group")
    rules = sum(1 for e in graph.edges if e.kind == "rule")
    unused = sum(1 for e in graph.edges if e.dashed)
    hot = sum(1 for n in graph.nodes if n.hot)
    return (
        f"Security groups: {groups:,} groups, {rules:,} rules ({unused:,} without traffic), "
        f"{hot:,} REJECT hot spot(s)"
    )


def render_graph(graph: SecurityGroupGraph, fmt: str = "svg", layout: str = "auto") -> str:
    """The graph as ``svg``, ``dot`` or ``mermaid`` text (``flowsg report graph --format``)."""
    if fmt == "svg":
        return graph.to_svg(layout)
    if fmt == "dot":
        return graph.to_dot()
    if fmt == "mermaid":
        return graph.to_mermaid()
    raise UsageError(f"unknown graph format {fmt!r}", "use one of: " + ", ".join(GRAPH_FORMATS))


def inline_svg(graph: SecurityGroupGraph, layout: str = "auto") -> Markup:
    """The SVG to place inside an HTML page (no XML declaration), as markup for a template."""
    return Markup(graph.to_svg(layout, standalone=False))  # every text in it was escaped
