"""`flowsg report html` without a browser: the sections and their numbers (the same as the other
reports'), the escaping of every text from the snapshot, a page that loads nothing, atomic
writes, the exit codes; and records_over_time, which draws its chart.

The database is the sample scenario analyzed against a snapshot with hostile descriptions and
tags (tests/hostile_sample.py), through the CLI, into a real DuckDB file.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from hostile_sample import (
    GROUP_DESCRIPTION,
    NAME_TAG,
    QUOTES,
    QUOTES_RULE,
    SCRIPT,
    SCRIPT_RULE,
    hostile_database,
)

import flowsg
from flowsg.cli import cli
from flowsg.report.html import SECTIONS
from flowsg.report.timeline import TIMELINE_SCHEMA

FIX = "allow tcp 8443 ingress on sg-09b9e5cf8b4aa01cc from sg-071e4a6ac26585745"
ACL = "network ACL acl-037940bb8e616a0fb rule 90 denies ingress"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile_database(tmp_path_factory.mktemp("html"))


@pytest.fixture(scope="module")
def con(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = flowsg.connect(db, read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def page(db: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("page") / "report.html"
    result = CliRunner().invoke(
        cli, ["report", "html", "--db", str(db), "--out", str(out), "--layout", "builtin"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.startswith(f"flowsg: wrote {out} (")
    return out.read_text(encoding="utf-8")


def error_line(result: object) -> str:
    stderr = getattr(result, "stderr", "")
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("flowsg: ")
    return lines[0]


def row_of(page: str, rule_id: str) -> str:
    match = re.search(rf'<tr class="rule-row"[^>]*data-rule="{rule_id}">(.*?)</tr>', page, re.S)
    assert match, rule_id
    return match.group(1)


def cell(row: str, css_class: str) -> str:
    match = re.search(rf'<td class="{css_class}"[^>]*>(.*?)</td>', row, re.S)
    assert match, css_class
    return match.group(1)


# --- content ------------------------------------------------------------------------------------


def test_every_section_is_there(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    for ident, heading in SECTIONS:
        assert f'<section id="{ident}">' in page
        assert f'<a href="#{ident}">{heading}</a>' in page
    assert page.rstrip().endswith("</html>")


def test_summary_says_what_the_analysis_says(page: str, con: duckdb.DuckDBPyConnection) -> None:
    summary = flowsg.analyze_summary(con)
    for verdict, n in summary.by_verdict:
        assert re.search(
            rf'<tr data-verdict="{verdict}"><td><span class="swatch"[^>]*></span>{verdict}</td>'
            rf'<td class="num">{n:,}</td>',
            page,
        ), verdict
    assert "2026-11-02 08:00 to 11:30 UTC" in page
    assert ">8,611</div>" in page  # records
    assert ">11 of 12</div>" in page  # coverage: the spare web-tier ENI never logs
    assert "<code>eni-060ecc667166dc49a</code>" in page
    assert ">8 groups, 31 rules</div>" in page
    assert "snapshot time not recorded" in page
    assert "666 accepted record(s) that no rule of the snapshot explains" in page


def test_a_row_per_rule_with_its_usage_and_status(
    page: str, con: duckdb.DuckDBPyConnection
) -> None:
    rules = flowsg.report_rules(con).to_pylist()
    rows = re.findall(r'<tr class="rule-row" data-status="([^"]+)" data-rule="([^"]+)">', page)
    assert sorted(rows) == sorted((r["status"], r["rule_id"]) for r in rules)
    assert len(rows) == 31
    for r in rules:
        row = row_of(page, r["rule_id"])
        assert f'<td class="num" data-sort="{r["hits"]}">{r["hits"]:,}</td>' in row
        assert f'<td class="num" data-sort="{r["sole_hits"]}">{r["sole_hits"]:,}</td>' in row
        slug = r["status"].replace(" ", "-")
        assert f'<span class="status status-{slug}">{r["status"]}</span>' in row
    redundant = row_of(page, SCRIPT_RULE)
    assert "covered by <code>sgr-082644bce20111928</code>" in redundant
    # the busiest rule has the full bar, a rule without hits none
    assert 'style="width: 100.0%"' in row_of(page, "sgr-0e4b3ce6ac4296f97")
    assert 'class="hits" style="width: 0.0%"' in row_of(page, QUOTES_RULE)


def test_groups_with_their_evidence_and_tightening(page: str) -> None:
    for group in ("app-tier", "bastion", "db-postgres", "default", "ssh-from-bastion",
                  "vpce-secretsmanager", "web-alb", "web-tier"):  # fmt: skip
        assert f"<h3>{group} <code" in page
    assert page.index("<h3>app-tier") < page.index("<h3>web-tier")  # by name
    assert "<h4>Tightening</h4>" in page
    assert "ports: only tcp 8443 used (allows tcp all ports)" in page
    assert "Attached to 4 interface(s), 3 in the logs (never: <code>eni-060ecc667166dc49a" in page


def test_rejects_fixes_reasons_and_scan_noise(page: str) -> None:
    rejects = page[page.index('<section id="rejects">') : page.index('<section id="unexplained">')]
    assert f'<li><code>{FIX}</code> <span class="muted">149 records, 6 group(s)</span>' in rejects
    assert f'<li>{ACL} <span class="muted">38 records</span></li>' in rejects
    assert "420 rejected probe record(s)" in rejects
    assert len(re.findall(r'<tr data-verdict="no_rule">', rejects)) == 6 + 12
    assert len(re.findall(r'<tr data-verdict="blocked_elsewhere">', rejects)) == 2


def test_the_chart_counts_every_record_with_an_action(
    page: str, con: duckdb.DuckDBPyConnection
) -> None:
    counts = dict(
        con.execute(
            'SELECT action, count(*) FROM flows WHERE action IS NOT NULL AND "start" IS NOT NULL'
            " GROUP BY action"
        ).fetchall()
    )
    assert f"accepted records per hour ({counts['ACCEPT']:,})" in page
    assert f"rejected records per hour ({counts['REJECT']:,})" in page
    hours = re.findall(r"<tr><td>2026-11-02 (\d\d:\d\d)-\d\d:\d\d UTC</td>", page)
    assert hours == ["08:00", "09:00", "10:00", "11:00"]


def test_the_graph_is_inline(page: str) -> None:
    graph = page[page.index('<section id="graph">') :]
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="fsg-graph"' in graph
    assert "<?xml" not in page
    assert "REJECT tcp 8443" in graph


# --- escaping and self-containment --------------------------------------------------------------


def test_hostile_text_is_shown_as_text(page: str) -> None:
    assert SCRIPT not in page
    assert html.unescape(cell(row_of(page, SCRIPT_RULE), "description")) == SCRIPT
    assert html.unescape(cell(row_of(page, QUOTES_RULE), "description")) == QUOTES
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert len(re.findall(r"<script", page, re.I)) == 1  # flowsg's own, at the end
    assert GROUP_DESCRIPTION not in page
    assert html.escape(GROUP_DESCRIPTION, quote=False) in page
    assert NAME_TAG not in page
    assert "<img" not in page.lower()
    assert "onload=alert" not in page.replace("&#34;&gt;&lt;svg onload=alert", "")


def test_the_page_loads_nothing(page: str) -> None:
    tags = re.findall(r"<[a-zA-Z][^>]*>", page)  # escaped text (&lt;img src=x) is no tag
    attribute = re.compile(r"""\s(?:src|href|xlink:href|action|poster|srcset|data)\s*=\s*["']?([^"'\s>]*)""", re.I)  # fmt: skip  # noqa: E501
    references = [ref for tag in tags for ref in attribute.findall(tag)]
    assert references
    assert all(ref.startswith("#") or ref == "data:," for ref in references), references
    assert not re.search(r"(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//", page, re.I)
    forbidden_words = (
        "@import", "@font-face", "<iframe", "<object", "<embed", "<img",
        '<link rel="stylesheet', "fetch(", "XMLHttpRequest", "WebSocket",
    )  # fmt: skip
    for forbidden in forbidden_words:
        assert forbidden.lower() not in page.lower(), forbidden
    urls = re.findall(r"url\(([^)]*)\)", page)
    assert all(u.startswith("#") for u in urls), urls


def test_the_content_security_policy_allows_only_the_own_script(page: str) -> None:
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert csp
    policy = html.unescape(csp.group(1))
    assert "default-src 'none'" in policy
    (script,) = re.findall(r"<script>(.*?)</script>", page, re.S)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_the_page_is_the_same_for_the_same_database(con: duckdb.DuckDBPyConnection) -> None:
    when = datetime(2026, 11, 3, tzinfo=UTC)
    first = flowsg.html_report(con, layout="builtin", generated_at=when)
    assert first == flowsg.html_report(con, layout="builtin", generated_at=when)
    assert "on 2026-11-03 00:00 UTC" in first
    titled = flowsg.html_report(con, layout="builtin", title="<Q3 review>", generated_at=when)
    assert "<title>flowsg review: &lt;Q3 review&gt;</title>" in titled


@pytest.mark.skipif(not flowsg.report.graph.shutil.which("dot"), reason="Graphviz is not installed")
def test_the_graph_laid_out_by_graphviz(con: duckdb.DuckDBPyConnection) -> None:
    page = flowsg.html_report(con, layout="graphviz")
    graph = page[page.index('<div class="graph" id="graph-box">') :]
    assert graph.removeprefix('<div class="graph" id="graph-box">\n').startswith("<svg")
    assert "<!DOCTYPE svg" not in page and "<?xml" not in page
    assert SCRIPT not in page
    assert len(re.findall(r"<script", page, re.I)) == 1


# --- writing and exit codes ---------------------------------------------------------------------


def test_the_file_is_replaced_atomically(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "review.html"
    out.write_text("old")
    result = CliRunner().invoke(
        cli, ["report", "html", "--db", str(db), "--out", str(out), "--layout", "builtin"]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["review.html"]  # no temporary file left
    to_stdout = CliRunner().invoke(
        cli, ["report", "html", "--db", str(db), "--out", "-", "--layout", "builtin"]
    )
    assert to_stdout.exit_code == 0
    assert to_stdout.stdout.startswith("<!DOCTYPE html>")
    assert to_stdout.stderr == ""


def test_an_unwritable_target_exits_3_and_leaves_nothing(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "report.html"
    result = CliRunner().invoke(cli, ["report", "html", "--db", str(db), "--out", str(out)])
    assert result.exit_code == 3
    assert f"cannot write {out}" in error_line(result)
    assert not out.parent.exists()


def test_exit_codes(db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out = str(tmp_path / "r.html")
    missing = runner.invoke(cli, ["report", "html", "--db", str(tmp_path / "no.duckdb"),
                                  "--out", out])  # fmt: skip
    assert missing.exit_code == 5
    assert "no database at" in error_line(missing)
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    unanalyzed = runner.invoke(cli, ["report", "html", "--db", str(empty), "--out", out])
    assert unanalyzed.exit_code == 5
    assert "holds no analysis" in error_line(unanalyzed)
    no_out = runner.invoke(cli, ["report", "html", "--db", str(db)])
    assert no_out.exit_code == 2
    assert "Missing option '--out'" in error_line(no_out)
    bad_layout = runner.invoke(cli, ["report", "html", "--db", str(db), "--out", out,
                                     "--layout", "neato"])  # fmt: skip
    assert bad_layout.exit_code == 2
    a_folder = runner.invoke(cli, ["report", "html", "--db", str(db), "--out", str(tmp_path)])
    assert a_folder.exit_code == 2
    no_dot = runner.invoke(
        cli,
        ["report", "html", "--db", str(db), "--out", out, "--layout", "graphviz"],
        env={"PATH": str(tmp_path)},
    )
    assert no_dot.exit_code == 2
    assert "Graphviz's dot is not on PATH" in error_line(no_dot)
    assert not Path(out).exists()


def test_html_report_refuses_an_unknown_layout(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(flowsg.UsageError, match="unknown layout"):
        flowsg.html_report(con, layout="circo")


# --- records over time --------------------------------------------------------------------------


def test_records_over_time_adds_up(con: duckdb.DuckDBPyConnection) -> None:
    table = flowsg.records_over_time(con)
    assert table.schema == TIMELINE_SCHEMA
    rows = table.to_pylist()
    expected = dict(
        con.execute(
            "SELECT verdict, count(*) FROM flows"
            ' WHERE action IS NOT NULL AND "start" IS NOT NULL GROUP BY verdict'
        ).fetchall()
    )
    totals: dict[str, int] = {}
    for r in rows:
        totals[r["verdict"]] = totals.get(r["verdict"], 0) + r["records"]
        assert r["time"].minute == 0 and r["time"].second == 0
    assert totals == expected
    assert "skipped" not in totals  # NODATA and SKIPDATA have no action


def test_records_over_time_shows_the_incident(con: duckdb.DuckDBPyConnection) -> None:
    """On app-2, in 10-minute buckets: unexplained accepts until 09:40, no_rule rejects after."""
    rows = flowsg.records_over_time(con, seconds=600, interface="eni-09c5db217897934a6")
    by = {(r["time"].strftime("%H:%M"), r["verdict"]): r["records"] for r in rows.to_pylist()}
    assert by.get(("09:30", "unexplained"), 0) > 0
    assert ("09:30", "no_rule") not in by
    assert by.get(("09:40", "no_rule"), 0) > 0
    assert not any(v == "unexplained" and t >= "09:50" for t, v in by)


def test_records_over_time_filters_and_refusals(con: duckdb.DuckDBPyConnection) -> None:
    whole = sum(flowsg.records_over_time(con).column("records").to_pylist())
    since = datetime(2026, 11, 2, 10, tzinfo=UTC)
    later = flowsg.records_over_time(con, since=since).to_pylist()
    assert all(r["time"] >= since for r in later)
    assert 0 < sum(r["records"] for r in later) < whole
    group = flowsg.records_over_time(con, group="sg-07d9f55a79bc1500c").to_pylist()
    assert 0 < sum(r["records"] for r in group) < whole
    with pytest.raises(flowsg.UsageError):
        flowsg.records_over_time(con, seconds=0)
    with pytest.raises(flowsg.UsageError, match="no security group"):
        flowsg.records_over_time(con, group="sg-nope")
