"""The review report (``flowsg report html``): one self-contained HTML page for the periodic
cleanup meeting and for troubleshooting.

Built only from the other reports and the tables `flowsg analyze` left, never from a query of its
own about the same facts: :func:`~flowsg.report.analyze_summary`,
:func:`~flowsg.report.rules.report_rules`, :func:`~flowsg.report.rules.group_evidence`,
:func:`~flowsg.report.rules.tightening`, :func:`~flowsg.report.rejects.report_rejects`,
:func:`~flowsg.report.rejects.scan_noise`, :func:`~flowsg.report.rejects.report_unexplained`,
:func:`~flowsg.report.timeline.records_over_time` and the security-group graph
(:mod:`flowsg.report.graph`); the only new SQL counts the snapshot and its coverage
(``queries/report/coverage.sql``) and lists the groups' details (``report/group_details``).

The page is rendered by Jinja2 with autoescaping: every text taken from the snapshot or the logs
is HTML-escaped. It makes no network request: the CSS, the script and the SVG are inline, and a
Content-Security-Policy allows nothing else (the script only by its hash).
"""

from __future__ import annotations

import base64
import hashlib
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import duckdb
from markupsafe import Markup

from .. import __version__, sql
from ..db import require_analysis
from ..errors import UsageError
from . import analyze_summary
from .graph import LAYOUTS, build_graph, inline_svg
from .rejects import rejects_with_noise, report_unexplained
from .rules import STATUSES, rules_with_evidence, tightening_of
from .templating import asset, environment
from .timeline import HOUR, records_over_time

SECTIONS = (
    ("summary", "Summary"),
    ("groups", "Security groups"),
    ("rejects", "Rejects"),
    ("unexplained", "Unexplained"),
    ("timeline", "Over time"),
    ("graph", "Graph"),
)
"""The sections of the page: (HTML id, heading)."""

MAX_ROWS = 500
"""At most this many rows per rejects or unexplained table (the CSV of the report has them all)."""

MAX_HOURS = 2000
"""Beyond this many hours the chart shows days."""

MAX_BUCKETS = 5000
"""Beyond this many days the timeline shows only the days that have records (not every day
between a start time of 1970 and one of 9999, which would make a page of hundreds of MB)."""

DAY = 86_400

VERDICT_COLOURS = {
    "allowed": "#2e7d32",
    "return": "#81c784",
    "unexplained": "#f9a825",
    "no_rule": "#c62828",
    "blocked_elsewhere": "#6a1b9a",
    "no_security_group": "#78909c",
    "unknown_interface": "#b0bec5",
    "skipped": "#cfd8dc",
}
"""A colour per verdict, in the summary's bars and the chart."""

VERDICT_MEANINGS = {
    "allowed": "accepted request a rule of the snapshot allows",
    "return": "accepted reply to a connection the rules allowed (stateful)",
    "unexplained": "accepted, but no rule of the snapshot allows it",
    "no_rule": "rejected: no security-group rule allows it",
    "blocked_elsewhere": "rejected although a security group allows it (network ACL, BPA, ...)",
    "no_security_group": "the interface has no security group (NAT gateway, ...)",
    "unknown_interface": "the interface is not in the snapshot",
    "skipped": "NODATA, SKIPDATA, or no action in the record",
}
"""One line per verdict (the README's table, shortened)."""

_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src '{script}'; "
    "base-uri 'none'; form-action 'none'"
)


def html_report(
    con: duckdb.DuckDBPyConnection,
    *,
    layout: str = "auto",
    title: str | None = None,
    generated_at: datetime | None = None,
) -> str:
    """The review report of the database `flowsg analyze` left, as one HTML document (see the
    module documentation). ``layout`` lays out the security-group graph (``auto``: Graphviz's
    ``dot`` when it is on PATH, else flowsg's own layout; ``graphviz``; ``builtin``);
    ``title`` names the page (default: the observed window); ``generated_at`` is the time the
    page says it was made (default: now)."""
    require_analysis(con)
    if layout not in LAYOUTS:
        raise UsageError(f"unknown layout {layout!r}", "use one of: " + ", ".join(LAYOUTS))
    summary = analyze_summary(con)
    rules_table, evidence_table = rules_with_evidence(con)
    rules = rules_table.to_pylist()
    evidence = evidence_table.to_pylist()
    tighten = tightening_of(rules_table).to_pylist()
    rejects_table, noise_table = rejects_with_noise(con)
    rejects, noise = rejects_table.to_pylist(), noise_table.to_pylist()
    unexplained = report_unexplained(con).to_pylist()
    graph = build_graph(con, rules, evidence, rejects, noise)
    first, last = summary.load.first_start, summary.load.last_end
    hours = ((last - first).total_seconds() / HOUR) if first and last else 0.0
    bucket = HOUR if hours <= MAX_HOURS else DAY
    timeline = records_over_time(con, seconds=bucket).to_pylist()
    names = {ident: name for ident, name, _ in sql.fetchall(con, "report/rules_names")}

    script = asset("report.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    window = _window(first, last)
    context = {
        "title": title or f"Security groups, {window}",
        "version": __version__,
        "generated": (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC"),
        "csp": _CSP.format(script=f"sha256-{digest}"),
        "css": Markup(asset("report.css")),  # flowsg's own file
        "script": Markup(script),  # flowsg's own file
        "sections": SECTIONS,
        "summary": _summary(con, summary, rules, evidence, unexplained, window, hours),
        "groups": _groups(con, rules, evidence, tighten, names),
        "statuses": STATUSES,
        "rejects": _rejects(rejects, noise),
        "unexplained": _limited(unexplained),
        "timeline": _chart(timeline, bucket),
        "graph": inline_svg(graph, layout),
        "graph_counts": {
            "groups": sum(1 for n in graph.nodes if n.kind == "group"),
            "edges": len(graph.edges),
            "hot": [n for n in graph.nodes if n.hot],
        },
        "verdict_colours": VERDICT_COLOURS,
        "max_rows": MAX_ROWS,
    }
    return environment().get_template("report.html").render(context)


# --- summary -------------------------------------------------------------------------------------


def _window(first: datetime | None, last: datetime | None) -> str:
    if first is None or last is None:
        return "no records"
    if first.date() == last.date():
        return f"{first:%Y-%m-%d %H:%M} to {last:%H:%M} UTC"
    return f"{first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC"


def _summary(
    con: duckdb.DuckDBPyConnection,
    summary: Any,
    rules: Sequence[Mapping[str, Any]],
    evidence: Sequence[Mapping[str, Any]],
    unexplained: Sequence[Mapping[str, Any]],
    window: str,
    hours: float,
) -> dict[str, Any]:
    (row,) = sql.fetchall(con, "report/coverage")
    names = ("interfaces", "attached", "attached_logging", "logged", "logged_unknown",
             "security_groups", "rules", "prefix_lists")  # fmt: skip
    coverage = dict(zip(names, (int(v or 0) for v in row), strict=True))
    total = sum(n for _, n in summary.by_verdict) or 1
    verdicts = [
        {
            "verdict": v,
            "records": n,
            "percent": 100.0 * n / total,
            "colour": VERDICT_COLOURS.get(v, "#9e9e9e"),
            "meaning": VERDICT_MEANINGS.get(v, ""),
        }
        for v, n in summary.by_verdict
    ]
    by_status: dict[str, int] = defaultdict(int)
    for r in rules:
        by_status[r["status"]] += 1
    silent = sorted({i for e in evidence for i in e["silent_interfaces"] or []})
    attached = coverage["attached"]
    load = summary.load
    return {
        "window": window,
        "hours": hours,
        "files_read": load.files_read,
        "files_unreadable": load.files_unreadable,
        "lines_read": load.lines_read,
        "malformed": load.malformed_lines,
        "records": load.record_count,
        "verdicts": verdicts,
        "coverage": coverage,
        "coverage_percent": 100.0 * coverage["attached_logging"] / attached if attached else None,
        "silent": silent,
        "by_status": [(s, by_status.get(s, 0)) for s in STATUSES],
        "rule_count": len(rules),
        "unexplained_records": sum(int(r["records"]) for r in unexplained),
        "unexplained_last": max((r["last_seen"] for r in unexplained), default=None),
    }


# --- security groups -----------------------------------------------------------------------------


def _slug(status: str) -> str:
    return status.replace(" ", "-")


def _groups(
    con: duckdb.DuckDBPyConnection,
    rules: Sequence[Mapping[str, Any]],
    evidence: Sequence[Mapping[str, Any]],
    tighten: Sequence[Mapping[str, Any]],
    names: Mapping[str, str | None],
) -> list[dict[str, Any]]:
    busiest = max((int(r["hits"]) for r in rules), default=0)
    by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rules:
        hits, sole = int(r["hits"]), int(r["sole_hits"])
        bar = 100.0 * math.log1p(hits) / math.log1p(busiest) if hits and busiest else 0.0
        by_group[r["group_id"]].append(
            {
                **r,
                "dir": "in" if r["direction"] == "ingress" else "out",
                "peer_name": names.get(r["peer"]),
                "status_class": _slug(r["status"]),
                "bar": round(bar, 1),
                "sole_bar": round(100.0 * sole / hits, 1) if hits else 0.0,
                "last_seen_text": _when(r["last_seen"]),
                "last_seen_sort": int(r["last_seen"].timestamp()) if r["last_seen"] else -1,
            }
        )
    advice: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in tighten:
        advice[r["group_id"]].append(r)
    seen = {e["group_id"]: e for e in evidence}
    groups = []
    for gid, name, description, vpc_id, owner_id, name_tag in sql.fetchall(
        con, "report/group_details"
    ):
        rows = by_group.get(gid, [])
        statuses: dict[str, int] = defaultdict(int)
        for r in rows:
            statuses[r["status"]] += 1
        groups.append(
            {
                "group_id": gid,
                "name": name,
                "description": description,
                "vpc_id": vpc_id,
                "owner_id": owner_id,
                "name_tag": name_tag,
                "evidence": seen.get(gid),
                "rules": rows,
                "statuses": [(s, statuses[s], _slug(s)) for s in STATUSES if statuses.get(s)],
                "tightening": advice.get(gid, []),
            }
        )
    return groups


def _when(value: datetime | None) -> str:
    return "-" if value is None else f"{value:%Y-%m-%d %H:%M}"


# --- rejects -------------------------------------------------------------------------------------


def _limited(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {"rows": list(rows[:MAX_ROWS]), "total": len(rows)}


def _rejects(
    rejects: Sequence[Mapping[str, Any]], noise: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    internal: list[Mapping[str, Any]] = []
    elsewhere: list[Mapping[str, Any]] = []
    others: list[Mapping[str, Any]] = []
    for r in rejects:
        if r["verdict"] == "no_rule" and r["remote_class"] in ("interface", "private"):
            internal.append(r)
        elif r["verdict"] == "blocked_elsewhere":
            elsewhere.append(r)
        else:
            others.append(r)
    fixes: dict[str, list[int]] = {}
    for r in internal:
        if r["smallest_fix"]:
            entry = fixes.setdefault(r["smallest_fix"], [0, 0])
            entry[0] += int(r["records"])
            entry[1] += 1
    reasons: dict[str, int] = defaultdict(int)
    for r in elsewhere:
        reasons[r["reason"] or "unknown"] += int(r["records"])
    return {
        "internal": _limited(internal),
        "fixes": sorted(fixes.items(), key=lambda kv: (-kv[1][0], kv[0])),
        "elsewhere": _limited(elsewhere),
        "reasons": sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])),
        "others": _limited(others),
        "noise": list(noise),
        "noise_records": sum(int(r["records"]) for r in noise),
        "noise_sources": sum(int(r["sources"]) for r in noise),
        "records": sum(int(r["records"]) for r in rejects),
    }


# --- the chart -----------------------------------------------------------------------------------

_CHART_W = 960.0
_LEFT = 64.0
_RIGHT = 16.0
_PANEL = {"ACCEPT": 170.0, "REJECT": 110.0}
_TOP = 24.0
_BETWEEN = 46.0


def _nice(value: int) -> int:
    """A round scale at least ``value``: 1, 1.5, 2, 3, 4, 5, 6 or 8 times a power of ten, even
    (so that its half is a whole number) from 2 on; 1 for 0 or 1."""
    if value <= 1:
        return 1
    power: int = 10 ** math.floor(math.log10(value))
    for factor in (1, 1.5, 2, 3, 4, 5, 6, 8, 10):
        scale = int(factor * power)
        if scale >= value and scale % 2 == 0 and scale == factor * power:
            return scale
    return 10 * power


def _chart(rows: Sequence[Mapping[str, Any]], bucket: int) -> dict[str, Any]:
    """Stacked bars per bucket: accepted records above, rejected below, coloured by verdict."""
    if not rows:
        return {"empty": True}
    counts: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
    for r in rows:
        start = int(r["time"].timestamp())
        key = (start, r["action"])
        counts[key][r["verdict"]] = counts[key].get(r["verdict"], 0) + int(r["records"])
    starts = [int(r["time"].timestamp()) for r in rows]
    if (max(starts) - min(starts)) // bucket < MAX_BUCKETS:
        buckets = list(range(min(starts), max(starts) + bucket, bucket))
    else:  # a span of centuries (a hostile or broken start time): the days with records only
        buckets = sorted(set(starts))
    order = list(VERDICT_COLOURS)
    plot_w = _CHART_W - _LEFT - _RIGHT
    slot = plot_w / len(buckets)
    bar_w = max(1.0, slot * 0.78)
    panels = []
    y = _TOP
    present: set[str] = set()
    for action, label in (("ACCEPT", "accepted"), ("REJECT", "rejected")):
        height = _PANEL[action]
        totals = [sum(counts.get((b, action), {}).values()) for b in buckets]
        scale = _nice(max(totals, default=0))
        bars = []
        for i, b in enumerate(buckets):
            stack = counts.get((b, action), {})
            base = y + height
            for verdict in sorted(stack, key=lambda v: order.index(v) if v in order else 99):
                n = stack[verdict]
                h = height * n / scale
                base -= h
                present.add(verdict)
                bars.append(
                    {
                        "x": _LEFT + slot * i + (slot - bar_w) / 2,
                        "y": base,
                        "w": bar_w,
                        "h": h,
                        "colour": VERDICT_COLOURS.get(verdict, "#9e9e9e"),
                        "title": f"{_span(b, bucket)}: {n:,} {verdict} record(s)",
                    }
                )
        panels.append(
            {
                "label": f"{label} records per {'hour' if bucket == HOUR else 'day'}",
                "y": y,
                "height": height,
                "scale": scale,
                "bars": bars,
                "total": sum(totals),
            }
        )
        y += height + _BETWEEN
    every = max(1, math.ceil(70.0 / slot))
    ticks = []
    previous_day = None
    for i, b in enumerate(buckets):
        if i % every:
            continue
        moment = datetime.fromtimestamp(b, UTC)
        text = f"{moment:%H:%M}" if bucket == HOUR else f"{moment:%m-%d}"
        if bucket == HOUR and moment.date() != previous_day:
            text = f"{moment:%m-%d %H:%M}"
            previous_day = moment.date()
        ticks.append({"x": _LEFT + slot * i + slot / 2, "text": text})
    table = []
    for b in buckets:
        accepted = counts.get((b, "ACCEPT"), {})
        rejected = counts.get((b, "REJECT"), {})
        merged: dict[str, int] = defaultdict(int)
        for stack in (accepted, rejected):
            for verdict, n in stack.items():
                merged[verdict] += n
        ranked = sorted(merged.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)
        table.append(
            {
                "time": _span(b, bucket),
                "accepted": sum(accepted.values()),
                "rejected": sum(rejected.values()),
                "verdicts": ", ".join(f"{v} {n:,}" for v, n in ranked),
            }
        )
    return {
        "empty": False,
        "width": _CHART_W,
        "height": y - _BETWEEN + 30.0,
        "left": _LEFT,
        "right": _CHART_W - _RIGHT,
        "panels": panels,
        "ticks": ticks,
        "legend": [(v, VERDICT_COLOURS[v]) for v in order if v in present],
        "table": table,
        "unit": "hour" if bucket == HOUR else "day",
    }


def _span(start: int, bucket: int) -> str:
    a = datetime.fromtimestamp(start, UTC)
    try:
        b = datetime.fromtimestamp(start + bucket, UTC)
    except (ValueError, OverflowError):  # the last bucket of the year 9999 ends after it
        b = datetime.max.replace(tzinfo=UTC)
    if bucket == HOUR:
        return f"{a:%Y-%m-%d %H:%M}-{b:%H:%M} UTC"
    return f"{a:%Y-%m-%d} UTC"
