"""Stage 6, output: text for a terminal (data on stdout only) and files for --out."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import secrets
import shutil
import textwrap
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from . import __version__, sql
from .errors import InputError, UsageError
from .files import publish_folder, temporary_folder_beside
from .hold import hold
from .report import AnalyzeSummary, LoadSummary

if TYPE_CHECKING:
    from .aws.snapshot import SnapshotManifest


def render_snapshot_manifest(manifest: SnapshotManifest) -> str:
    """What `flowsg snapshot` prints: where, whose, when, and the items read per region."""
    lines = [
        f"Snapshot of account {manifest.account_id} written to {manifest.out_dir}",
        _row("taken at", f"{manifest.taken_at:%Y-%m-%d %H:%M:%S} UTC"),
    ]
    for region in manifest.regions:
        counts = manifest.counts.get(region, {})
        lists = [k for k in counts if k.startswith("pl-")]
        lines.append(
            _row(
                region,
                f"{counts.get('SecurityGroups', 0):,} groups, "
                f"{counts.get('SecurityGroupRules', 0):,} rules, "
                f"{counts.get('NetworkInterfaces', 0):,} interfaces, "
                f"{counts.get('NetworkAcls', 0):,} network ACLs, "
                f"{counts.get('PrefixLists', 0):,} prefix lists "
                f"({len(lists):,} named by rules, their entries read)",
            )
        )
    lines.append(f"Analyze with: flowsg analyze LOGS... --snapshot {manifest.out_dir}")
    return "\n".join(lines)


def render_load_summary(
    summary: LoadSummary, *, database: str, seconds: float, skipped: int = 0
) -> str:
    """The summary `flowsg load` prints: files, lines, records, time range, interfaces."""
    by_type = ", ".join(
        f"{f.files:,} {f.file_type}" for f in summary.files if f.file_type != "unreadable"
    )
    lines = [
        f"Loaded {summary.files_read:,} file(s) into {database} in {seconds:.1f} s",
        _row(
            "files",
            f"{summary.files_read:,} read ({by_type or 'none'}), "
            f"{summary.files_unreadable:,} unreadable, {skipped:,} skipped by name",
        ),
        _row(
            "lines",
            f"{summary.lines_read:,} read: {summary.headers:,} header(s), "
            f"{summary.record_count:,} record(s), {summary.malformed_lines:,} malformed",
        ),
        _row("records", _records(summary)),
        _row("time range", _range(summary.first_start, summary.last_end)),
        _row("interfaces", f"{summary.interfaces:,}"),
    ]
    if summary.top_reasons:
        lines.append(_row("malformed", "top reasons (see the table `malformed`):"))
        width = max(len(f"{n:,}") for _, n in summary.top_reasons)
        lines += [f"{'':14}{n:>{width},}  {reason}" for reason, n in summary.top_reasons]
    if summary.file_problems:
        lines.append(_row("file problems", f"{len(summary.file_problems):,}"))
        lines += [f"{'':14}{path}: {reason}" for path, reason in summary.file_problems[:10]]
        if len(summary.file_problems) > 10:
            lines.append(f"{'':14}... and {len(summary.file_problems) - 10:,} more")
    return "\n".join(lines)


def _row(label: str, text: str) -> str:
    return f"  {label:<11} {text}"


def _records(summary: LoadSummary) -> str:
    if not summary.records:
        return "none"
    parts: list[str] = []
    for status in ("OK", "NODATA", "SKIPDATA"):
        rows = [(action, n) for s, action, n in summary.records if s == status]
        if not rows:
            continue
        total = sum(n for _, n in rows)
        actions = ", ".join(f"{a} {n:,}" for a, n in rows if a is not None)
        parts.append(f"{status} {total:,}" + (f" ({actions})" if actions else ""))
    others = sum(n for s, _, n in summary.records if s not in ("OK", "NODATA", "SKIPDATA"))
    if others:
        parts.append(f"no log-status {others:,}")
    return ", ".join(parts)


def _range(first: datetime | None, last: datetime | None) -> str:
    if first is None or last is None:
        return "none (no record has start and end)"
    return f"{first:%Y-%m-%d %H:%M:%S} to {last:%Y-%m-%d %H:%M:%S} UTC"


def render_analyze_summary(summary: AnalyzeSummary, *, database: str, seconds: float) -> str:
    """The summary `flowsg analyze` prints: records by verdict, unused rules, top rejections."""
    total = sum(n for _, n in summary.by_verdict) or 1
    lines = [
        f"Analyzed {summary.load.record_count:,} record(s) from {summary.load.files_read:,} "
        f"file(s) against {summary.rules:,} rule(s) into {database} in {seconds:.1f} s",
        _row("time range", _range(summary.load.first_start, summary.load.last_end)),
        _row("malformed", f"{summary.load.malformed_lines:,} line(s) (see the table `malformed`)"),
        "",
        "Records by verdict",
    ]
    lines += [f"  {v:<20}{n:>10,}  {100 * n / total:5.1f}%" for v, n in summary.by_verdict]
    lines += ["", f"Rules with no traffic: {len(summary.unused_rules):,} of {summary.rules:,}"]
    for (
        rule_id,
        group_id,
        group_name,
        direction,
        protocol,
        lo,
        hi,
        _kind,
        peer,
        ok,
    ) in summary.unused_rules[:15]:
        note = "" if ok else "  (unresolvable)"
        side = "from" if direction == "ingress" else "to"
        lines.append(
            f"  {rule_id:<22} {group_name or group_id:<20} {direction:<8}"
            f"{_traffic(protocol, lo, hi):<15}{side} {peer}{note}"
        )
    if len(summary.unused_rules) > 15:
        lines.append(f"  ... and {len(summary.unused_rules) - 15:,} more (table rule_usage)")
    if summary.top_rejected:
        lines += ["", "Most rejected destinations"]
        lines.append(
            f"  {'records':>8}  {'sources':>7}  {'verdict':<17} {'interface':<22} destination"
        )
        for r in summary.top_rejected:
            port = "" if r.dstport is None else f":{r.dstport}"
            lines.append(
                f"  {r.records:>8,}  {r.sources:>7,}  {r.verdict:<17} {r.interface_id or '-':<22} "
                f"{r.dstaddr or '-'}{port} {_proto(r.protocol)}"
            )
    return "\n".join(lines)


_PROTOCOLS = {-1: "all", 1: "icmp", 6: "tcp", 17: "udp", 58: "icmpv6"}


def _proto(protocol: int | None) -> str:
    if protocol is None:
        return "-"
    return _PROTOCOLS.get(protocol, str(protocol))


def _traffic(protocol: int | None, lo: int | None, hi: int | None) -> str:
    """What a rule allows, briefly: 'all traffic', 'tcp 443', 'udp 1024-65535', 'icmp'."""
    if protocol == -1:
        return "all traffic"
    name = _proto(protocol)
    if protocol not in (6, 17):
        return name
    if lo is None or lo == -1 or (lo <= 0 and (hi or 0) >= 65535):
        return f"{name} all ports"
    return f"{name} {lo}" if lo == hi else f"{name} {lo}-{hi}"


OUTPUT_FILES = ("flows.parquet", "rule_usage.parquet", "malformed.parquet", "summary.json")
"""What ``--out DIR`` holds."""


def check_out_folder(out: str | Path) -> None:
    """``--out DIR`` must be new, an empty folder or one an earlier ``--out`` wrote (holding
    nothing but OUTPUT_FILES), since the whole folder is replaced: UsageError (exit 2) otherwise,
    before any work is done."""
    folder = Path(out)
    if not os.path.lexists(folder):
        return
    if folder.is_symlink() or not folder.is_dir():
        raise UsageError(
            f"--out {out} exists and is not a folder (a symbolic link is not replaced)",
            "give a folder for --out",
        )
    try:
        others = sorted(name for name in os.listdir(folder) if name not in OUTPUT_FILES)
    except OSError as exc:
        raise InputError(f"cannot read --out {out}: {exc.strerror or exc}") from exc
    if others:
        shown = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
        raise UsageError(
            f"--out {out} holds other files than flowsg's outputs ({shown}); the folder is "
            "replaced as a whole",
            "give a new or empty folder, or one an earlier --out wrote",
        )


def write_outputs(
    con: duckdb.DuckDBPyConnection, out: str | Path, summary_json: dict[str, Any]
) -> list[Path]:
    """Write flows.parquet, rule_usage.parquet, malformed.parquet and summary.json into `out`.

    Everything is written into a temporary folder beside `out`, which then takes its place in one
    step (files.publish_folder): a reader never sees half of the outputs, and an interrupted run
    leaves the earlier folder as it was (and at most a hidden ``.<name>.*.tmp`` folder beside it).
    """
    folder = Path(os.path.abspath(out))
    check_out_folder(folder)
    tmp: Path | None = None
    try:
        tmp = Path(temporary_folder_beside(folder))
        for name in ("flows", "rule_usage", "malformed"):
            sql.write_parquet(con, f"output/{name}", str(tmp / f"{name}.parquet"))
            hold("out")
        (tmp / "summary.json").write_text(summary_text(summary_json), encoding="utf-8")
        publish_folder(tmp, folder)
    except (OSError, duckdb.IOException) as exc:
        detail = getattr(exc, "strerror", None) or str(exc).strip().splitlines()[0]
        raise InputError(
            f"cannot write --out {out}: {detail}",
            "check that the folder above it can be written (and the disk has room)",
        ) from exc
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return [folder / name for name in OUTPUT_FILES]


def summary_text(summary_json: dict[str, Any]) -> str:
    """summary.json's text (both engines write it so)."""
    return json.dumps(summary_json, indent=2, sort_keys=True) + "\n"


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path``: into a temporary file beside it, renamed into place,
    so a reader never sees half a file and a failed write leaves the earlier one intact.
    InputError (exit 3) when the folder does not exist or cannot be written."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        hold("html")
        os.replace(tmp, target)
    except OSError as exc:
        raise InputError(
            f"cannot write {target}: {exc.strerror or exc}",
            "check that its folder exists and is writable",
        ) from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    return target


def summary_document(summary: AnalyzeSummary) -> dict[str, Any]:
    """The content of summary.json (its keys are documented in the README)."""
    load = summary.load
    return {
        "flowsg_version": __version__,
        "records": load.record_count,
        "records_by_verdict": dict(summary.by_verdict),
        "records_by_reason": dict(summary.by_reason),
        "files": {
            "read": load.files_read,
            "unreadable": load.files_unreadable,
            "lines_read": load.lines_read,
            "headers": load.headers,
            "malformed_lines": load.malformed_lines,
        },
        "time_range": {
            "first_start": load.first_start.isoformat() if load.first_start else None,
            "last_end": load.last_end.isoformat() if load.last_end else None,
        },
        "interfaces": load.interfaces,
        "rules": summary.rules,
        "rules_without_traffic": len(summary.unused_rules),
    }


FORMATS = ("table", "csv", "json", "markdown")
"""The formats every report renders to (``--format``)."""

_MAX_CELL = 48


def render_table(table: pa.Table, fmt: str = "table") -> str:
    """Render a report's rows: an aligned text table, CSV, JSON (a list of objects) or Markdown.

    Lists are joined with ', ' (CSV: ';'), NULL is '-' in text and empty in CSV, null in JSON.
    """
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}", "use one of: " + ", ".join(FORMATS))
    rows = table.to_pylist()
    names = table.column_names
    if fmt == "json":
        return json.dumps(rows, indent=2, default=_json_value) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow([_csv_cell(row[n]) for n in names])
        return buffer.getvalue()
    last = len(names) - 1  # the last column is never cut: nothing has to line up after it
    cells = [
        [_text_cell(row[n], fmt, _grouped(n), i == last) for i, n in enumerate(names)]
        for row in rows
    ]
    numeric = [pa.types.is_integer(t) or pa.types.is_floating(t) for t in table.schema.types]
    if fmt == "markdown":
        head = "| " + " | ".join(names) + " |"
        rule = "|" + "|".join("---:" if num else "---" for num in numeric) + "|"
        body = ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells]
        return "\n".join([head, rule, *body]) + "\n"
    widths = [max([len(n)] + [len(row[i]) for row in cells]) for i, n in enumerate(names)]

    def line(values: list[str]) -> str:
        parts = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    out = [line(list(names)), line(["-" * w for w in widths])]
    out += [line(row) for row in cells]
    return "\n".join(out) + "\n"


def _grouped(column: str) -> bool:
    """Whether a column's integers get thousands separators (counts do; ports, numbers do not)."""
    return "port" not in column and column not in _IDENTIFYING_NUMBERS


_IDENTIFYING_NUMBERS = frozenset({"protocol", "line_number", "rule_number", "version", "family"})


def _text_cell(value: Any, fmt: str, grouped: bool = True, whole: bool = False) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        text = ", ".join(_text_cell(v, fmt, grouped) for v in value) if value else "-"
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, int):
        text = f"{value:,}" if fmt == "table" and grouped else str(value)
    elif isinstance(value, float):
        text = f"{value:,.2f}" if fmt == "table" else f"{value:g}"
    elif isinstance(value, datetime):
        text = f"{value:%Y-%m-%d %H:%M:%S}"
    else:
        text = " ".join(str(value).split())
    if fmt == "table" and not whole and len(text) > _MAX_CELL:
        text = text[: _MAX_CELL - 1] + "…"
    return text


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(_csv_cell(v) for v in value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def render_rejects(rejects: pa.Table, noise: pa.Table, fmt: str) -> str:
    """`flowsg report rejects`: the reject groups, the distinct smallest fixes, the scan noise.

    JSON is one document {"rejects": [...], "scan_noise": [...]}; CSV is the reject groups only
    (every column); the table and Markdown show what fits a terminal and list each distinct fix
    once, with the records it would let through.
    """
    if fmt == "json":
        document = {"rejects": rejects.to_pylist(), "scan_noise": noise.to_pylist()}
        return json.dumps(document, indent=2, default=_json_value) + "\n"
    if fmt == "csv":
        return render_table(rejects, "csv")
    rows = rejects.to_pylist()
    shown = pa.table(
        {
            "interface_id": [r["interface_id"] for r in rows],
            "direction": [r["direction"] for r in rows],
            "service": [f"{r['protocol']} {r['port']}" if r["port"] is not None else r["protocol"]
                        for r in rows],
            "remote_address": [r["remote_address"] for r in rows],
            "verdict": [r["verdict"] for r in rows],
            "records": pa.array([r["records"] for r in rows], pa.int64()),
        }
    )  # fmt: skip
    parts = [render_table(shown, fmt)]
    fixes: dict[str, int] = {}
    for r in rows:
        if r["smallest_fix"]:
            fixes[r["smallest_fix"]] = fixes.get(r["smallest_fix"], 0) + r["records"]
    if fixes:
        parts.append("\nSmallest fixes (records they would let through)\n\n")
        parts += [f"  {n:>7,}  {fix}\n" for fix, n in sorted(fixes.items(), key=lambda x: -x[1])]
    reasons: dict[str, int] = {}
    for r in rows:
        if r["verdict"] == "blocked_elsewhere":
            reason = r["reason"] or "unknown"
            reasons[reason] = reasons.get(reason, 0) + r["records"]
    if reasons:
        parts.append("\nRejected although a security group allows them (blocked_elsewhere)\n\n")
        parts += [f"  {n:>7,}  {why}\n" for why, n in sorted(reasons.items(), key=lambda x: -x[1])]
    if noise.num_rows:
        total = sum(int(n) for n in noise.column("records").to_pylist() if n is not None)
        parts.append(f"\nInternet scan noise ({total:,} records)\n\n")
        columns = ["interface_id", "records", "sources", "ports", "top_ports", "last_seen"]
        parts.append(render_table(noise.select(columns), fmt))
    return "".join(parts)


def render_rules(rules: pa.Table, evidence: pa.Table, fmt: str) -> str:
    """`flowsg report rules`: the rules, their notes, and the evidence per security group.

    JSON is {"rules": [...], "evidence": [...]}; CSV is the rules (every column); the table and
    Markdown fit a terminal: one short line per rule, then the notes and covering rules of the
    rules that have any, then the evidence (return_hits and the rest are in csv and json).
    """
    if fmt == "json":
        document = {"rules": rules.to_pylist(), "evidence": evidence.to_pylist()}
        return json.dumps(document, indent=2, default=_json_value) + "\n"
    if fmt == "csv":
        return render_table(rules, "csv")
    rows = rules.to_pylist()
    shown = pa.table(
        {
            "group": [r["group_name"] or r["group_id"] for r in rows],
            "rule_id": [r["rule_id"] for r in rows],
            "dir": ["in" if r["direction"] == "ingress" else "out" for r in rows],
            "traffic": [r["ports"] for r in rows],
            "peer": [r["peer"] for r in rows],
            "hits": pa.array([r["hits"] for r in rows], pa.int64()),
            "sole": pa.array([r["sole_hits"] for r in rows], pa.int64()),
            "status": [r["status"] for r in rows],
        }
    )
    parts = [render_table(shown, fmt)]
    notes = [r for r in rows if r["note"] or r["covered_by"]]
    if notes:
        parts.append("\nNotes\n\n")
        for r in notes:
            text = []
            if r["covered_by"]:
                text.append("covered by " + ", ".join(r["covered_by"]))
            if r["note"]:
                text.append(r["note"])
            parts.append(f"  {r['rule_id']} ({r['status']}):\n")
            parts += [f"      {line}\n" for line in textwrap.wrap("; ".join(text), 96)]
    ev = evidence.to_pylist()
    if ev:
        start, end = ev[0]["window_start"], ev[0]["window_end"]
        parts.append(f"\nEvidence per security group (window {_when(start)} to {_when(end)})\n\n")
        table = pa.table(
            {
                "group": [e["group_name"] or e["group_id"] for e in ev],
                "interfaces": pa.array([e["interfaces"] for e in ev], pa.int64()),
                "logging": pa.array([e["logged_interfaces"] for e in ev], pa.int64()),
                "records": pa.array([e["records"] for e in ev], pa.int64()),
                "nodata": pa.array([e["nodata_records"] for e in ev], pa.int64()),
                "skipdata": pa.array([e["skipdata_records"] for e in ev], pa.int64()),
                "silent_interfaces": [e["silent_interfaces"] for e in ev],
            }
        )
        parts.append(render_table(table, fmt))
    return "".join(parts)


def _when(value: Any) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if isinstance(value, datetime) else str(value or "-")
