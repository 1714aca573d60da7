"""Stage 6, output: rendering results as text for a terminal (data on stdout only)."""

from __future__ import annotations

from datetime import datetime

from .report import LoadSummary


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
    return f"  {label:<12}{text}"


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
