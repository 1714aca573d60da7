"""`flowsg report graph`: the security-group graph of the sample scenario (with hostile text in
its snapshot, tests/hostile_sample.py) as data, and as SVG (flowsg's own layout and Graphviz's),
DOT and Mermaid: every edge a rule, unused rules dashed, widths ordered by traffic, the incident
as a REJECT edge, every text escaped for its format; the CLI's exits."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import duckdb
import pytest
from click.testing import CliRunner
from hostile_sample import (
    GROUP_DESCRIPTION,
    QUOTES,
    QUOTES_RULE,
    SCRIPT,
    SCRIPT_RULE,
    hostile_database,
)
from hypothesis import given
from hypothesis import strategies as st

import flowsg
from flowsg.cli import cli
from flowsg.report.graph import (
    MAX_WIDTH,
    MIN_WIDTH,
    GraphEdge,
    GraphNode,
    SecurityGroupGraph,
    _overlaps,
    _Taken,
    dot_string,
    edge_width,
    mermaid_text,
    render_graph,
)

SVG = "{http://www.w3.org/2000/svg}"
APP_TIER = "sg-09b9e5cf8b4aa01cc"
WEB_TIER = "sg-071e4a6ac26585745"
DB_GROUP = "sg-052bfb3a50b3eb9b1"
HAS_DOT = shutil.which("dot") is not None


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile_database(tmp_path_factory.mktemp("graph"))


@pytest.fixture(scope="module")
def con(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = flowsg.connect(db, read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def graph(con: duckdb.DuckDBPyConnection) -> SecurityGroupGraph:
    return flowsg.security_group_graph(con)


def by_key(graph: SecurityGroupGraph) -> dict[tuple[str, str], GraphNode]:
    return {(n.role, n.key): n for n in graph.nodes}


def rule_edges(graph: SecurityGroupGraph) -> dict[str, GraphEdge]:
    return {e.rule_id: e for e in graph.edges if e.rule_id is not None}


# --- the data -----------------------------------------------------------------------------------


def test_every_group_is_a_node_and_every_rule_an_edge(
    graph: SecurityGroupGraph, con: duckdb.DuckDBPyConnection
) -> None:
    groups = {g for (g,) in con.execute("SELECT group_id FROM security_groups").fetchall()}
    assert {n.key for n in graph.nodes if n.kind == "group"} == groups
    rules = flowsg.report_rules(con).to_pylist()
    edges = rule_edges(graph)
    assert set(edges) == {r["rule_id"] for r in rules}
    nodes = {n.id: n for n in graph.nodes}
    for r in rules:
        e = edges[r["rule_id"]]
        assert (e.records, e.sole_hits, e.status) == (r["hits"], r["sole_hits"], r["status"])
        group_end = e.target if r["direction"] == "ingress" else e.source
        assert nodes[group_end].key == r["group_id"]
        peer_end = nodes[e.source if r["direction"] == "ingress" else e.target]
        assert peer_end.key == r["peer"]
        if peer_end.kind != "group":
            assert peer_end.role == ("source" if r["direction"] == "ingress" else "destination")
    assert len({n.id for n in graph.nodes}) == len(graph.nodes)


def test_nodes_carry_interfaces_and_reject_hot_spots(graph: SecurityGroupGraph) -> None:
    nodes = by_key(graph)
    app = nodes[("group", APP_TIER)]
    assert (app.interfaces, app.logged_interfaces) == (2, 2)
    assert app.hot and app.rejected == 149 + 4  # the incident and the unapproved vendor
    web = nodes[("group", WEB_TIER)]
    assert (web.interfaces, web.logged_interfaces, web.hot) == (4, 3, False)
    assert web.detail is not None and GROUP_DESCRIPTION in web.detail
    assert not nodes[("group", DB_GROUP)].hot
    assert nodes[("group", "sg-0e87bc61d7823bd3e")].scan_noise == 118 + 103
    assert nodes[("group", "sg-02ddfc4a6742e7fca")].label[-1] == "no interface"
    other = nodes[("source", "sg-08d6691ab78c5e1e6")]
    assert other.kind == "external_group" and other.detail == "account 444455556666"
    assert nodes[("source", "pl-0fcc7a18fbec49f6e")].label == [
        "corp-office",
        "pl-0fcc7a18fbec49f6e",
    ]
    assert nodes[("source", "0.0.0.0/0")].label == ["0.0.0.0/0", "internet"]
    assert ("destination", "0.0.0.0/0") in nodes  # drawn once per side


def test_the_incident_is_a_reject_edge(graph: SecurityGroupGraph) -> None:
    nodes = {n.id: n for n in graph.nodes}
    (reject,) = [e for e in graph.edges if e.kind == "reject"]
    assert (nodes[reject.source].key, nodes[reject.target].key) == (WEB_TIER, APP_TIER)
    assert reject.records == 149
    assert reject.label == ["REJECT tcp 8443", "149 records"]
    assert not reject.dashed
    typo = rule_edges(graph)["sgr-01db9341fa3942f70"]  # the 8444 rule, same two groups
    assert (typo.source, typo.target, typo.dashed) == (reject.source, reject.target, True)


def test_unused_rules_are_dashed_and_widths_follow_traffic(graph: SecurityGroupGraph) -> None:
    for e in graph.edges:
        assert e.dashed == (e.kind == "rule" and e.records == 0)
        assert (e.width == MIN_WIDTH) == (e.records == 0)
    ordered = sorted(graph.edges, key=lambda e: e.records)
    widths = [e.width for e in ordered]
    assert widths == sorted(widths)
    assert max(widths) == MAX_WIDTH
    assert rule_edges(graph)["sgr-0e4b3ce6ac4296f97"].width == MAX_WIDTH  # 588 hits, the most


def test_edge_width_is_monotone() -> None:
    widths = [edge_width(n, 1000) for n in range(0, 1001, 7)]
    assert widths == sorted(widths)
    assert edge_width(0, 1000) == MIN_WIDTH and edge_width(1000, 1000) == MAX_WIDTH
    assert edge_width(5, 0) == MIN_WIDTH


def test_group_filter_keeps_its_edges(con: duckdb.DuckDBPyConnection) -> None:
    focus = flowsg.security_group_graph(con, group=DB_GROUP)
    nodes = {n.id: n for n in focus.nodes}
    (db_node,) = [n for n in focus.nodes if n.key == DB_GROUP]
    assert focus.edges
    assert all(db_node.id in (e.source, e.target) for e in focus.edges)
    assert {e.rule_id for e in focus.edges} == {
        "sgr-03d417d70f0057ec1", "sgr-07c4bc85b3a4fa110", "sgr-056e4f543b2134460",
        "sgr-02e984bd527c6d02a", "sgr-088c3452de8e441be",
    }  # fmt: skip
    assert {nodes[e.source].key for e in focus.edges} >= {APP_TIER}
    with pytest.raises(flowsg.UsageError, match="no security group sg-nope"):
        flowsg.security_group_graph(con, group="sg-nope")


# --- SVG ----------------------------------------------------------------------------------------


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg.encode("utf-8"))


def texts(root: ElementTree.Element) -> list[str]:
    return [el.text or "" for el in root.iter() if el.tag in (f"{SVG}text", f"{SVG}title")]


def test_builtin_svg(graph: SecurityGroupGraph) -> None:
    svg = graph.to_svg("builtin")
    assert svg.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg')
    root = parse(svg)
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    assert SCRIPT not in svg and "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    everything = "\n".join(texts(root))
    assert SCRIPT in everything and QUOTES in everything and GROUP_DESCRIPTION in everything
    edges = [g for g in root.iter(f"{SVG}g") if "fsg-edge" in g.get("class", "").split()]
    assert len(edges) == len(graph.edges)
    widths: list[tuple[int, float]] = []
    for g in edges:
        path = g.find(f"{SVG}path")
        assert path is not None
        records = int(g.get("data-records", "-1"))
        dashed = path.get("stroke-dasharray") is not None
        assert dashed == ("fsg-rule" in g.get("class", "") and records == 0)
        widths.append((records, float(path.get("stroke-width", "0"))))
    assert [w for _, w in sorted(widths)] == sorted(w for _, w in widths)
    nodes = [g for g in root.iter(f"{SVG}g") if "fsg-node" in g.get("class", "").split()]
    assert len(nodes) == len(graph.nodes)
    hot = {g.get("data-key") for g in nodes if "fsg-hot" in g.get("class", "")}
    assert APP_TIER in hot and DB_GROUP not in hot
    inline = graph.to_svg("builtin", standalone=False)
    assert inline.startswith("<svg") and inline == svg[svg.index("<svg") :]


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz is not installed")
def test_graphviz_svg(graph: SecurityGroupGraph) -> None:
    svg = graph.to_svg("graphviz")
    root = parse(svg)
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    assert "<script" not in svg
    titles = [v for el in root.iter() for k, v in el.attrib.items() if k.endswith("title")]
    assert any(SCRIPT in t for t in titles)
    assert any(QUOTES in t for t in titles)  # backslashes stay literal: no \N or \l expansion
    assert graph.to_svg("auto") == svg


def test_auto_leaves_big_graphs_to_the_builtin_layout(
    graph: SecurityGroupGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(flowsg.report.graph, "AUTO_DOT_EDGES", len(graph.edges) - 1)
    assert not graph.graphviz_sized
    assert graph.to_svg("auto") == graph.to_svg("builtin")


def test_auto_without_graphviz_is_builtin(
    graph: SecurityGroupGraph, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert graph.to_svg("auto") == graph.to_svg("builtin")
    with pytest.raises(flowsg.UsageError, match="Graphviz's dot is not on PATH"):
        graph.to_svg("graphviz")
    with pytest.raises(flowsg.UsageError, match="unknown layout"):
        graph.to_svg("neato")


# --- DOT ----------------------------------------------------------------------------------------

DOT_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def undot(text: str) -> str:
    """A DOT quoted string's content as Graphviz reads it (\\n and \\l as line ends)."""
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nl" else m.group(1), text)


def test_dot(graph: SecurityGroupGraph) -> None:
    dot = graph.to_dot()
    assert dot.startswith('digraph "security groups" {') and dot.rstrip().endswith("}")
    strings = [undot(s) for s in DOT_STRING.findall(dot)]
    assert any(QUOTES in s for s in strings)
    assert any(SCRIPT in s for s in strings)
    # outside the quoted strings only DOT syntax remains: no text of the snapshot leaks out
    bare = DOT_STRING.sub('""', dot)
    assert "legacy" not in bare and "alert" not in bare
    lines = dot.splitlines()
    edges = [line for line in lines if re.match(r"\s+n\d+ -> n\d+ \[", line)]
    assert len(edges) == len(graph.edges)
    dashed = [line for line in edges if 'style="dashed"' in line]
    assert len(dashed) == sum(e.dashed for e in graph.edges)
    assert any('arrowhead="tee"' in line and "REJECT tcp 8443" in line for line in edges)
    assert "{ rank=source;" in dot and "{ rank=sink;" in dot


def test_dot_string_escapes() -> None:
    assert dot_string('a "b" \\N') == '"a \\"b\\" \\\\N"'
    assert dot_string("line\nbreak\x00") == '"line break "'


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz is not installed")
def test_graphviz_reads_the_dot(graph: SecurityGroupGraph) -> None:
    run = subprocess.run(["dot", "-Tplain"], input=graph.to_dot(), capture_output=True,
                         text=True, check=True)  # fmt: skip
    assert run.stderr == ""
    nodes = [line for line in run.stdout.splitlines() if line.startswith("node ")]
    assert len(nodes) == len(graph.nodes) + 1  # and the legend


# --- Mermaid ------------------------------------------------------------------------------------


def test_mermaid(graph: SecurityGroupGraph) -> None:
    text = graph.to_mermaid()
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    assert SCRIPT not in text and "<b>" not in text
    nodes = [line for line in lines if re.match(r"\s+n\d+[\[(]", line)]
    assert len(nodes) == len(graph.nodes)
    for line in nodes:  # one quoted label, no quote inside it
        assert re.fullmatch(r'\s+n\d+[\[(]{1,2}"[^"]*"[\])]{1,2}', line), line
    edges = [line for line in lines if re.match(r"\s+n\d+ (-->|-\.->|--x)\|", line)]
    assert len(edges) == len(graph.edges)
    for line in edges:
        assert re.fullmatch(r'\s+n\d+ (-->|-\.->|--x)\|"[^"|]*"\| n\d+', line), line
    assert sum("-.->" in line for line in edges) == sum(e.dashed for e in graph.edges)
    assert sum("--x" in line for line in edges) == 1
    styles = [line for line in lines if line.strip().startswith("linkStyle ")]
    assert len(styles) == len(graph.edges)
    for i, (edge, style) in enumerate(zip(graph.edges, styles, strict=True)):
        assert style.strip().startswith(f"linkStyle {i} stroke:{edge.colour},")
        assert f"stroke-width:{edge.width:g}px" in style
    assert "classDef hot " in text


def test_mermaid_text_escapes() -> None:
    assert mermaid_text(SCRIPT) == "#60;script#62;alert(1)#60;/script#62;"
    assert mermaid_text('"a" | #b & `c`') == "#34;a#34; #124; #35;b #38; #96;c#96;"


def test_mermaid_of_the_hostile_descriptions(graph: SecurityGroupGraph) -> None:
    text = graph.to_mermaid()
    assert mermaid_text("tcp 3389") in text
    # descriptions are tooltips, not labels, in Mermaid: they never reach it unescaped
    assert QUOTES not in text and GROUP_DESCRIPTION not in text


# --- the built-in layout on any graph -----------------------------------------------------------


@st.composite
def graphs(draw: st.DrawFn) -> SecurityGroupGraph:
    n_groups = draw(st.integers(1, 7))
    n_peers = draw(st.integers(0, 4))
    nodes = [
        GraphNode(
            f"n{i}",
            "group",
            "group",
            f"sg-{i}",
            draw(st.text(max_size=12)),
            None,
            interfaces=draw(st.integers(0, 3)),
            logged_interfaces=0,
            rejected=draw(st.integers(0, 3)),
        )
        for i in range(n_groups)
    ]
    for j in range(n_peers):
        role = draw(st.sampled_from(["source", "destination"]))
        nodes.append(GraphNode(f"n{n_groups + j}", "cidr", role, f"10.{j}.0.0/16", None, None))
    ids = [n.id for n in nodes]
    edges = []
    for _ in range(draw(st.integers(0, 14))):
        source, target = draw(st.sampled_from(ids)), draw(st.sampled_from(ids))
        records = draw(st.integers(0, 50))
        edges.append(GraphEdge(source, target, "rule", "sgr-x", "ingress", "tcp 443", "used",
                               records, 0, draw(st.text(max_size=8)), edge_width(records, 50),
                               draw(st.text(max_size=20))))  # fmt: skip
    return SecurityGroupGraph(tuple(nodes), tuple(edges))


@given(graphs())
def test_builtin_layout_draws_any_graph(graph: SecurityGroupGraph) -> None:
    """Cycles, self-loops, parallel edges, lone nodes, odd text: always a well-formed SVG with
    every node and edge, nothing outside the canvas."""
    root = parse(graph.to_svg("builtin"))
    width, height = float(root.get("width", "0")), float(root.get("height", "0"))
    rects = [r for g in root.iter(f"{SVG}g") if "fsg-node" in g.get("class", "").split()
             for r in g.iter(f"{SVG}rect")]  # fmt: skip
    assert len(rects) == len(graph.nodes)
    for r in rects:
        x, y = float(r.get("x", "0")), float(r.get("y", "0"))
        assert x >= 0 and x + float(r.get("width", "0")) <= width
        assert y >= 0 and y + float(r.get("height", "0")) <= height
    paths = [g for g in root.iter(f"{SVG}g") if "fsg-edge" in g.get("class", "").split()]
    assert len(paths) == len(graph.edges)


# --- the command --------------------------------------------------------------------------------


def error_line(result: object) -> str:
    lines = getattr(result, "stderr", "").splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("flowsg: ")
    return lines[0]


def test_command_formats(db: Path, graph: SecurityGroupGraph, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["report", "graph", "--db", str(db)]
    dot = runner.invoke(cli, [*base, "--format", "dot"])
    assert dot.exit_code == 0 and dot.stderr == ""
    assert dot.stdout == graph.to_dot()
    mermaid = runner.invoke(cli, [*base, "--format", "mermaid"])
    assert mermaid.stdout == render_graph(graph, "mermaid")
    svg = runner.invoke(cli, [*base, "--layout", "builtin"])
    assert svg.exit_code == 0
    assert svg.stdout == graph.to_svg("builtin")
    out = tmp_path / "graph.svg"
    written = runner.invoke(cli, [*base, "--layout", "builtin", "--out", str(out)])
    assert written.exit_code == 0 and written.stdout == ""
    assert error_line(written).startswith(f"flowsg: wrote {out} (")
    assert out.read_text() == svg.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.svg"]
    focused = runner.invoke(cli, [*base, "--format", "dot", "--group", DB_GROUP,
                                  "--since", "2026-11-02T10:00"])  # fmt: skip
    assert focused.exit_code == 0
    assert focused.stdout.count(" -> ") == 5


def test_command_exits(db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["report", "graph", "--db", str(db)]
    for bad in (["--format", "png"], ["--layout", "neato"], ["--group", "sg-nope"],
                ["--since", "yesterday"], ["--out", str(tmp_path)]):  # fmt: skip
        result = runner.invoke(cli, [*base, *bad])
        assert result.exit_code == 2, bad
        error_line(result)
    no_dot = runner.invoke(cli, [*base, "--layout", "graphviz"], env={"PATH": str(tmp_path)})
    assert no_dot.exit_code == 2
    assert "Graphviz's dot is not on PATH" in error_line(no_dot)
    missing = runner.invoke(cli, ["report", "graph", "--db", str(tmp_path / "none.duckdb")])
    assert missing.exit_code == 5
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    unanalyzed = runner.invoke(cli, ["report", "graph", "--db", str(empty)])
    assert unanalyzed.exit_code == 5
    assert "holds no analysis" in error_line(unanalyzed)
    unwritable = runner.invoke(cli, [*base, "--out", str(tmp_path / "no" / "g.svg")])
    assert unwritable.exit_code == 3


def test_descriptions_reach_every_format(graph: SecurityGroupGraph) -> None:
    edge = rule_edges(graph)[SCRIPT_RULE]
    assert edge.description == SCRIPT and SCRIPT in edge.title
    assert QUOTES in rule_edges(graph)[QUOTES_RULE].title


_coord = st.floats(min_value=-2000, max_value=6000, allow_nan=False)
_size = st.floats(min_value=0, max_value=900, allow_nan=False)
_rects = st.tuples(_coord, _coord, _size, _size).map(
    lambda r: (r[0], r[1], r[0] + r[2], r[1] + r[3])
)


@given(placed=st.lists(_rects, max_size=40), boxes=st.lists(_rects, min_size=1, max_size=20))
def test_label_grid_answers_as_a_scan_of_every_rectangle(
    placed: list[tuple[float, float, float, float]],
    boxes: list[tuple[float, float, float, float]],
) -> None:
    """The builtin layout's grid of placed rectangles finds an overlap exactly when comparing
    with every placed rectangle does (edges touching are not an overlap), as boxes are added."""
    taken = _Taken(placed)
    seen = list(placed)
    for box in boxes:
        assert taken.overlaps(box) == any(_overlaps(box, other) for other in seen)
        taken.add(box)
        seen.append(box)
