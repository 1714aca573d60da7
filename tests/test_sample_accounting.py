"""Every line of the sample data is accounted for, and the numbers agree with a count made here.

For each file flowsg walks under ``sample_logs/`` (found by ``flowsg.walk``, never listed by hand),
``files`` must satisfy ``lines_read == headers + records + malformed``, and those numbers must match
an independent count: physical lines read with ``gzip``/``open`` (Parquet rows with pyarrow),
header lines recognised here, and the record counts that ``sample_logs/README.md`` documents. The
CloudWatch export's quarantined lines must be exactly the deliberately broken lines listed in the
README's table of odd lines, and its JSON-wrapped line must be a record.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

import flowsg
from flowsg.fields import TRANSIT_GATEWAY_FIELDS

SAMPLES = Path(__file__).resolve().parents[1] / "sample_logs"
README = SAMPLES / "README.md"
KNOWN_NAMES = {f.name for f in flowsg.FIELDS} | TRANSIT_GATEWAY_FIELDS

# The first word of a README "kind" cell -> how flowsg must quarantine that line.
REASON_BY_KIND = {
    "truncated": "wrong number of fields: ",
    "dstport": "not an integer: dstport",
    "srcaddr": "not an IP address: srcaddr",
    "empty": "empty line",
    "action": "unknown action",
}


def walked_files() -> list[Path]:
    if not SAMPLES.is_dir():
        return []
    return [Path(p) for p in flowsg.walk([SAMPLES]).files]


FILES = walked_files()


def rel(path: Path) -> str:
    return path.relative_to(SAMPLES).as_posix()


def query(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> list[dict[str, Any]]:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def text_lines(path: Path) -> list[bytes]:
    """The physical lines of a text or gzip file (split at '\\n', no final empty piece)."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    lines = data.split(b"\n")
    return lines[:-1] if data.endswith(b"\n") else lines


def is_header(line: bytes) -> bool:
    words = line.decode("utf-8", "replace").split()
    return bool(words) and all(w in KNOWN_NAMES for w in words)


def markdown_table(text: str, first_column: str) -> list[dict[str, str]]:
    """The rows of the Markdown table whose header row starts with ``| <first_column> |``."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] == first_column:
            header = cells
            rows = []
            for body in lines[i + 2 :]:
                if not body.startswith("|"):
                    break
                values = [c.strip() for c in body.strip().strip("|").split("|")]
                rows.append(dict(zip(header, values, strict=True)))
            return rows
    raise AssertionError(f"no table starting with column {first_column!r} in {README}")


def readme_text() -> str:
    assert README.is_file(), f"{README} is missing"
    return README.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def samples_con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = flowsg.connect(":memory:")
    flowsg.load(connection, [SAMPLES])
    yield connection
    connection.close()


def test_sample_logs_are_walked() -> None:
    walked = flowsg.walk([SAMPLES])
    assert FILES, f"flowsg.walk found no flow-log files under {SAMPLES}"
    assert walked.unreadable == []
    suffixes = {p.name.split(".", 1)[1] for p in FILES}
    assert {"log.gz", "log.parquet", "log"} <= suffixes
    assert all(not p.endswith((".json", ".md", ".py")) for p in walked.files)


def test_files_table_lists_every_walked_file(samples_con: duckdb.DuckDBPyConnection) -> None:
    got = [Path(r["source_file"]) for r in query(samples_con, "SELECT source_file FROM files")]
    assert sorted(got) == sorted(FILES)


@pytest.mark.parametrize("path", FILES, ids=rel)
def test_line_accounting(samples_con: duckdb.DuckDBPyConnection, path: Path) -> None:
    (row,) = query(samples_con, "SELECT * FROM files WHERE source_file = ?", str(path))
    assert row["error"] is None
    assert row["lines_read"] == row["headers"] + row["records"] + row["malformed"]

    magic = path.read_bytes()[:4]
    if magic == b"PAR1":
        assert row["file_type"] == "parquet"
        assert row["lines_read"] == pq.ParquetFile(path).metadata.num_rows
        assert row["headers"] == 0
    else:
        assert row["file_type"] == ("gzip" if magic[:2] == b"\x1f\x8b" else "text")
        lines = text_lines(path)
        assert row["lines_read"] == len(lines)
        assert row["headers"] == sum(is_header(line) for line in lines)

    record_lines = [
        r["line_number"]
        for r in query(
            samples_con, "SELECT line_number FROM flows WHERE source_file = ?", str(path)
        )
    ]
    bad = query(samples_con, "SELECT line_number FROM malformed WHERE source_file = ?", str(path))
    bad_lines = [r["line_number"] for r in bad]
    assert None not in bad_lines, "a file-level problem was reported for a sample file"
    assert len(record_lines) == row["records"]
    assert len(bad_lines) == row["malformed"]
    assert len(set(record_lines) | set(bad_lines)) == row["records"] + row["malformed"]
    assert all(1 <= n <= row["lines_read"] for n in record_lines + bad_lines)


def readme_file_rows() -> list[tuple[re.Pattern[str], dict[str, str]]]:
    """The README's Files table rows for flow-log files, with the path as a regex ('<8 hex>' is
    the content hash, '…' an elided part of the path)."""
    out = []
    for row in markdown_table(readme_text(), "file"):
        name = row["file"].strip("`")
        if not name.endswith((".log", ".log.gz", ".log.parquet")):
            continue
        pattern = re.escape(name).replace(re.escape("<8 hex>"), "[0-9a-f]{8}")
        out.append((re.compile(pattern.replace(re.escape("…"), ".*")), row))
    return out


def test_readme_record_counts(samples_con: duckdb.DuckDBPyConnection) -> None:
    rows = readme_file_rows()
    assert rows
    for path in FILES:
        matches = [row for pattern, row in rows if pattern.fullmatch(rel(path))]
        assert len(matches) == 1, f"{rel(path)}: {len(matches)} rows in the README's Files table"
        cell = matches[0]["records"].replace(",", "")
        documented = re.match(r"(\d+)(?: valid \((\d+) lines\))?$", cell)
        assert documented, f"unreadable records cell {cell!r} for {rel(path)}"
        (got,) = query(samples_con, "SELECT * FROM files WHERE source_file = ?", str(path))
        assert got["records"] == int(documented[1]), rel(path)
        if documented[2]:
            assert got["lines_read"] == int(documented[2]), rel(path)


def cloudwatch_file() -> Path:
    found = [p for p in FILES if rel(p).startswith("cloudwatch/") and p.suffix == ".log"]
    assert len(found) == 1, f"expected one sample_logs/cloudwatch/*.log, walked {found}"
    return found[0]


def odd_lines() -> tuple[dict[int, str], set[int]]:
    """From the README's odd-lines table: {line: kind} of the broken lines, and the lines that
    are valid (the JSON-wrapped record)."""
    broken: dict[int, str] = {}
    valid: set[int] = set()
    for row in markdown_table(readme_text(), "line"):
        line = int(row["line"])
        if "valid" in row["expected handling"]:
            valid.add(line)
        else:
            broken[line] = row["kind"]
    return broken, valid


def test_cloudwatch_quarantines_exactly_the_broken_lines(
    samples_con: duckdb.DuckDBPyConnection,
) -> None:
    path = cloudwatch_file()
    broken, _ = odd_lines()
    assert broken, "the README lists no broken lines"
    got = query(
        samples_con,
        "SELECT line_number, reason, raw FROM malformed WHERE source_file = ? ORDER BY 1",
        str(path),
    )
    assert [r["line_number"] for r in got] == sorted(broken)
    lines = text_lines(path)
    for r in got:
        kind = broken[r["line_number"]]
        prefix = REASON_BY_KIND[kind.split()[0]]
        assert r["reason"].startswith(prefix), (r["line_number"], kind, r["reason"])
        assert r["raw"] == lines[r["line_number"] - 1].decode()
    truncated = [r for r in got if broken[r["line_number"]].startswith("truncated")]
    for r in truncated:  # the README gives the field count: "truncated (9 fields)"
        count = re.search(r"(\d+) fields", broken[r["line_number"]])
        assert count and r["reason"] == f"wrong number of fields: {count[1]}, expected 14"
    (row,) = query(samples_con, "SELECT * FROM files WHERE source_file = ?", str(path))
    assert row["headers"] == 0
    assert row["records"] == len(lines) - len(broken)


def test_cloudwatch_json_wrapped_line_is_a_record(samples_con: duckdb.DuckDBPyConnection) -> None:
    path = cloudwatch_file()
    _, valid = odd_lines()
    assert valid, "the README lists no JSON-wrapped line"
    lines = text_lines(path)
    for line in sorted(valid):
        raw = lines[line - 1].decode()
        assert raw.startswith('{"message": ')
        rows = query(
            samples_con,
            "SELECT * FROM flows WHERE source_file = ? AND line_number = ?",
            str(path),
            line,
        )
        assert len(rows) == 1, f"line {line} is not a record"
        record = rows[0]
        tokens = raw.removeprefix('{"message": "').removesuffix('"}').split(" ")
        assert len(tokens) == 14
        assert (record["version"], record["account_id"], record["interface_id"]) == (
            int(tokens[0]),
            tokens[1],
            tokens[2],
        )
        assert (record["srcaddr"], record["dstaddr"]) == (tokens[3], tokens[4])
        assert (record["srcport"], record["dstport"], record["protocol"]) == (
            int(tokens[5]),
            int(tokens[6]),
            int(tokens[7]),
        )
        assert (record["packets"], record["bytes"]) == (int(tokens[8]), int(tokens[9]))
        assert (record["start"], record["end"]) == (int(tokens[10]), int(tokens[11]))
        assert (record["action"], record["log_status"]) == (tokens[12], tokens[13])
