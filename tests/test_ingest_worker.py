"""The load's SQL runs on a thread of its own (ingest._SqlWorker) while the next files are read:
an interrupted or failed load still leaves the tables exactly as they were, and many small files
in several formats are filed in order, every line accounted for."""

from __future__ import annotations

import gzip
import time
import weakref
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

import flowsg
from flowsg import ingest
from flowsg.ingest import Progress

HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes"
CUSTOM = "interface-id srcaddr dstaddr srcport dstport protocol action tcp-flags"


def record(i: int) -> str:
    return (
        f"2 123456789010 eni-0a1b2c3d 198.51.100.{i % 250} 192.0.2.10 {40000 + i} 443 6 "
        f"10 840 1700000000 1700000060 ACCEPT OK"
    )


def write_logs(folder: Path, n_files: int, per_file: int) -> list[Path]:
    paths = []
    for f in range(n_files):
        if f % 3 == 2:  # every third file in a custom format, gzip
            lines = [CUSTOM] + [
                f"eni-0a1b2c3d 203.0.113.{i % 200} 192.0.2.11 {50000 + i} 22 6 ACCEPT 2"
                for i in range(per_file)
            ]
            path = folder / f"{f:03d}.log.gz"
            path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
        else:
            lines = [f"{HEADER} start end action log-status"]
            lines += [record(i) for i in range(per_file)]
            lines.insert(per_file // 2, "2 123456789010 eni-0a1b2c3d 198.51.100.1 x 1 2 6")  # bad
            path = folder / f"{f:03d}.log"
            path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    return paths


def test_many_files_are_filed_in_order_and_every_line_counted(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    paths = write_logs(tmp_path, 12, 500)
    flowsg.load(con, [tmp_path])
    rows = con.execute(
        "SELECT source_file, lines_read, headers, records, malformed FROM files ORDER BY 1"
    ).fetchall()
    assert [Path(r[0]).name for r in rows] == [p.name for p in paths]
    for name, lines, headers, records, malformed in rows:
        assert headers + records + malformed == lines
        custom = name.endswith(".gz")
        assert (records, malformed) == ((500, 0) if custom else (500, 1))
    flows = con.execute(
        "SELECT source_file, count(*), min(line_number), max(line_number) FROM flows GROUP BY 1"
    ).fetchall()
    assert all(n == 500 for _, n, _, _ in flows)
    bad = con.execute("SELECT DISTINCT line_number, reason FROM malformed").fetchall()
    assert bad == [(251, "wrong number of fields: 8, expected 14")]


def test_an_interrupted_load_leaves_the_tables_as_they_were(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    first = tmp_path / "first"
    first.mkdir()
    write_logs(first, 2, 50)
    flowsg.load(con, [first])
    before = con.execute("SELECT count(*) FROM flows").fetchall()
    second = tmp_path / "second"
    second.mkdir()
    write_logs(second, 9, 2000)

    def stop_at_the_fifth_file(p: Progress) -> None:
        if p.files_done == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        flowsg.load(con, [second], progress=stop_at_the_fifth_file)
    assert con.execute("SELECT count(*) FROM flows").fetchall() == before
    assert con.execute("SELECT count(*) FROM files").fetchall() == [(2,)]
    flowsg.load(con, [second])  # the connection is usable again
    assert con.execute("SELECT count(*) FROM flows").fetchall() == [(9 * 2000,)]


def test_a_failure_in_the_sql_thread_is_raised_and_rolled_back(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    write_logs(tmp_path, 3, 100)
    flowsg.load(con, [tmp_path])
    before = con.execute("SELECT count(*) FROM flows").fetchall()
    con.execute("DROP MACRO flowsg_int_problem").fetchall()  # convert.sql needs it
    with pytest.raises(flowsg.DatabaseError):
        flowsg.load(con, [tmp_path])
    assert con.execute("SELECT count(*) FROM flows").fetchall() == before


def test_a_batch_waits_while_the_lines_in_flight_would_exceed_the_bound(
    monkeypatch: pytest.MonkeyPatch, con: duckdb.DuckDBPyConnection
) -> None:
    """A batch is handed to the SQL thread only while the lines being filed and waiting stay
    within IN_FLIGHT_LINES (one batch at a time when batches are that large); a single larger
    batch goes alone, and a task without lines is never held back by the bound."""
    monkeypatch.setattr(ingest, "IN_FLIGHT_LINES", 100)
    worker = ingest._SqlWorker(con)
    seen: list[tuple[str, int, int]] = []  # (task, its lines, lines in flight as it ended)

    def task(name: str, lines: int) -> Callable[[], None]:
        def run() -> None:
            time.sleep(0.05)  # the next submit() comes while this one is in SQL
            seen.append((name, lines, worker._lines))

        return run

    batches = [("a", 60), ("b", 60), ("c", 30), ("d", 30), ("e", 200), ("f", 0), ("g", 10)]
    for name, lines in batches:
        worker.submit(task(name, lines), lines)
    worker.finish()
    assert [name for name, _, _ in seen] == [name for name, _ in batches]  # in order, all run
    for name, lines, in_flight in seen:
        assert in_flight <= max(100, lines), (name, in_flight)
    assert dict((name, n) for name, _, n in seen)["a"] == 60  # b waited for a to be done
    assert worker._lines == 0


def test_after_batch_runs_once_the_batch_is_freed_and_before_the_next_is_let_in(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """The load's checkpoint (after_batch) compresses without the batch it follows in memory,
    and before the next batch is handed over; tasks without lines are not batches."""
    events: list[tuple[str, int, bool]] = []  # (event, lines in flight, the last batch alive)
    ran: list[weakref.ref[Batch]] = []  # the batch each batch task held

    class Batch:
        pass

    def batch_task(batch: Batch) -> Callable[[], None]:
        def run() -> None:
            ran.append(weakref.ref(batch))
            events.append(("batch", worker._lines, True))
            time.sleep(0.05)  # the next batch is submitted meanwhile, and waits

        return run

    def after_batch() -> None:
        time.sleep(0.05)  # a next batch let in too early would be submitted meanwhile
        events.append(("after", worker._lines, ran[-1]() is not None))

    worker = ingest._SqlWorker(con, after_batch=after_batch)
    for i, lines in enumerate((ingest.IN_FLIGHT_LINES, ingest.IN_FLIGHT_LINES, 0)):
        if lines:
            worker.submit(batch_task(Batch()), lines)
        else:
            worker.submit(lambda: events.append(("other", worker._lines, False)))
        events.append(("submitted", i, False))
    worker.finish()
    n = ingest.IN_FLIGHT_LINES
    assert [e for e in events if e[0] != "submitted"] == [
        ("batch", n, True),
        ("after", n, False),  # the batch freed, and the next one not let in yet
        ("batch", n, True),
        ("after", n, False),
        ("other", 0, False),
    ]
    assert events.index(("submitted", 1, False)) > events.index(("after", n, False))
