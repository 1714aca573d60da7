"""File-level behaviour of a load: walking, detection by content, unreadable inputs, truncated
gzip, several headers in one file, and the progress callback."""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import flowsg
from flowsg.cli import ProgressPrinter

HEADER = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes"
    " start end action log-status"
)


def record(i: int) -> str:
    return (
        f"2 111122223333 eni-0a1b2c3d4e5f6{i % 1000:04d} 203.0.113.{i % 250} 198.51.100.20"
        f" {40000 + i % 20000} 443 6 10 840 {1762074000 + i} {1762074060 + i} ACCEPT OK"
    )


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = flowsg.connect(":memory:")
    yield connection  # type: ignore[misc]
    connection.close()


def rows(con: duckdb.DuckDBPyConnection, query: str) -> list[tuple[object, ...]]:
    return con.execute(query).fetchall()


def test_detection_is_by_content_not_name(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    (tmp_path / "plain.gz").write_text(f"{HEADER}\n{record(1)}\n")  # text named .gz
    (tmp_path / "packed.txt").write_bytes(gzip.compress(f"{HEADER}\n{record(2)}\n".encode()))
    pq.write_table(
        pa.table({"interface_id": ["eni-0a1b2c3d4e5f60001"], "srcport": pa.array([1], pa.int32())}),
        tmp_path / "noextension",
    )
    flowsg.load(con, [tmp_path])
    assert rows(con, "SELECT source_file, file_type, records FROM files ORDER BY 1") == [
        (str(tmp_path / "noextension"), "parquet", 1),
        (str(tmp_path / "packed.txt"), "gzip", 1),
        (str(tmp_path / "plain.gz"), "text", 1),
    ]


def test_walk_order_skips_and_source_file(tmp_path: Path) -> None:
    base = tmp_path / "AWSLogs" / "aws-account-id=111122223333" / "year=2026"
    (base / "month=11" / "day=02").mkdir(parents=True)
    (base / "month=11" / "day=02" / "b.log.gz").write_bytes(b"")
    (base / "month=11" / "a.log").write_text("")
    (base / "README.md").write_text("")
    (base / ".hidden.log").write_text("")
    (tmp_path / "describe-security-groups.json").write_text("{}")
    walked = flowsg.walk([tmp_path])
    assert walked.files == [
        str(base / "month=11" / "a.log"),
        str(base / "month=11" / "day=02" / "b.log.gz"),
    ]
    assert sorted(Path(p).name for p in walked.skipped) == [
        ".hidden.log",
        "README.md",
        "describe-security-groups.json",
    ]
    named = flowsg.walk([tmp_path / "describe-security-groups.json"])
    assert named.files == [str(tmp_path / "describe-security-groups.json")]


def test_unreadable_inputs_are_quarantined_and_the_run_goes_on(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    good = tmp_path / "good.log"
    good.write_text(f"{HEADER}\n{record(1)}\n")
    (tmp_path / "loop").mkdir()
    (tmp_path / "loop" / "back").symlink_to(tmp_path)
    (tmp_path / "dangling.log").symlink_to(tmp_path / "nowhere")
    os.mkfifo(tmp_path / "pipe.log")
    result = flowsg.load(con, [tmp_path])
    assert result.files_read == 1
    problems = dict(
        rows(con, "SELECT source_file, reason FROM malformed WHERE line_number IS NULL")
    )
    assert problems[str(tmp_path / "loop" / "back")].startswith("directory loop")
    assert problems[str(tmp_path / "dangling.log")] == "broken symbolic link"
    assert problems[str(tmp_path / "pipe.log")] == "unreadable: not a regular file"
    assert rows(con, "SELECT count(*) FROM flows") == [(1,)]


def test_truncated_gzip_keeps_the_lines_before_the_break(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    lines = [HEADER] + [record(i) for i in range(20_000)]
    data = gzip.compress(("\n".join(lines) + "\n").encode())
    path = tmp_path / "cut.log.gz"
    path.write_bytes(data[: len(data) // 2])
    flowsg.load(con, [path])
    (lines_read, headers, records, malformed, error) = rows(
        con, "SELECT lines_read, headers, records, malformed, error FROM files"
    )[0]
    assert 0 < records < 20_000
    assert lines_read == headers + records + malformed
    assert error.startswith(f"unreadable: corrupt gzip data after line {lines_read}")
    # the records kept are exactly the first ones, with their line numbers
    assert rows(con, "SELECT min(line_number), max(line_number) FROM flows") == [(2, records + 1)]


def test_concatenated_files_switch_format_at_each_header(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "cat.log"
    path.write_text(
        f"{HEADER}\n{record(1)}\n"
        "interface-id action srcaddr\n"
        "eni-0a1b2c3d4e5f60001 REJECT 2001:db8::1\n"
        f"{HEADER}\n{record(2)}\n"
    )
    flowsg.load(con, [path])
    assert rows(con, "SELECT line_number, action, srcaddr FROM flows ORDER BY 1") == [
        (2, "ACCEPT", "203.0.113.1"),
        (4, "REJECT", "2001:db8::1"),
        (6, "ACCEPT", "203.0.113.2"),
    ]
    assert rows(con, "SELECT headers, formats FROM files") == [
        (3, f"{HEADER} | interface-id action srcaddr")
    ]


def test_header_with_unknown_field_is_quarantined_but_used(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = tmp_path / "new.log"
    path.write_text("interface-id encryption-status action\neni-0a1b2c3d4e5f60001 1 ACCEPT\n")
    flowsg.load(con, [path])
    assert rows(con, "SELECT interface_id, action FROM flows") == [
        ("eni-0a1b2c3d4e5f60001", "ACCEPT")
    ]
    assert rows(con, "SELECT line_number, reason FROM malformed") == [
        (1, "unknown field in a header: encryption-status (its values are ignored)")
    ]


def test_many_small_files_are_batched_and_accounted(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    for f in range(50):
        body = [HEADER] + [record(f * 10 + i) for i in range(10)] + ["oops"]
        (tmp_path / f"{f:03d}.log").write_text("\n".join(body) + "\n")
    flowsg.load(con, [tmp_path])
    assert rows(con, "SELECT count(*), sum(records), sum(malformed), sum(headers) FROM files") == [
        (50, 500, 50, 50)
    ]
    assert rows(
        con, "SELECT count(*) FROM files WHERE lines_read <> headers + records + malformed"
    ) == [(0,)]


def test_progress_is_reported(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for f in range(3):
        (tmp_path / f"{f}.log").write_text(f"{HEADER}\n{record(f)}\n")
    seen: list[flowsg.Progress] = []
    flowsg.load(con, [tmp_path], progress=seen.append)
    assert [(p.files_done, p.files_total) for p in seen] == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert seen[-1].lines == 6
    printer = ProgressPrinter()
    printer.delay = 0.0
    printer(seen[1])
    assert "loading: file 2/3" in capsys.readouterr().err


def test_analyze_reports_the_attribution_stage(
    con: duckdb.DuckDBPyConnection, capsys: pytest.CaptureFixture[str]
) -> None:
    root = Path(__file__).resolve().parents[1] / "sample_logs"
    seen: list[flowsg.Progress] = []
    flowsg.analyze(con, [root], root / "snapshot", progress=seen.append)
    assert [p.stage for p in seen][-1] == "attribute"
    assert {p.stage for p in seen} == {"load", "attribute"}
    printer = ProgressPrinter()
    printer.delay = 0.0
    printer(seen[-1])
    assert "attribute: 8,618 lines from 4 files read" in capsys.readouterr().err


def test_both_inflaters_read_gzip_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """flowsg inflates gzip with ISA-L where its wheels exist, else with zlib: both read whole,
    several-member, padded, truncated and corrupt files into the same rows and reasons."""
    text = ("\n".join([HEADER] + [record(i) for i in range(30_000)]) + "\n").encode()
    whole = gzip.compress(text)
    half = len(text) // 2
    members = gzip.compress(text[:half]) + bytes(7) + gzip.compress(text[half:])
    corrupt = bytearray(whole)
    corrupt[len(whole) // 2 : len(whole) // 2 + 64] = bytes(64)
    for name, data in {
        "whole": whole,
        "members": members,
        "cut": whole[: len(whole) // 3],
        "corrupt": bytes(corrupt),
    }.items():
        (tmp_path / f"{name}.log.gz").write_bytes(data)

    def outcome() -> list[list[tuple[object, ...]]]:
        """Files, records and quarantine, with a corrupt stream's wording (the inflaters'
        own, in parentheses) left out."""
        with flowsg.connect(":memory:") as con:
            flowsg.load(con, [tmp_path])
            return [
                rows(con, query)
                for query in (
                    "SELECT source_file, lines_read, headers, records, malformed,"
                    " regexp_replace(error, ' \\(Error .*\\)$', '') FROM files ORDER BY ALL",
                    "SELECT source_file, count(*), sum(srcport), max(line_number) FROM flows"
                    " GROUP BY ALL ORDER BY ALL",
                    "SELECT source_file, line_number,"
                    " regexp_replace(reason, ' \\(Error .*\\)$', '') FROM malformed ORDER BY ALL",
                )
            ]

    assert flowsg.ingest._inflate.__name__ == "isal.isal_zlib"  # installed with the project
    with_isal = outcome()
    monkeypatch.setattr(flowsg.ingest, "_inflate", zlib)
    assert outcome() == with_isal
    files = {str(f[0]).rsplit("/", 1)[1]: f for f in with_isal[0]}
    assert files["whole.log.gz"][3] == files["members.log.gz"][3] == 30_000
    assert 0 < files["cut.log.gz"][3] < 30_000
    assert str(files["corrupt.log.gz"][5]).startswith("unreadable: corrupt gzip data after line")
