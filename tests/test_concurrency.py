"""Two `flowsg analyze` runs on the same --db: the second gets one clear "database in use" error
(exit 5), never a corrupted file; the first finishes as if alone."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import duckdb
from cli_process import SAMPLE, Held, Result, command, environment, run

ANALYZE = ["analyze", str(SAMPLE), "--snapshot", str(SAMPLE / "snapshot")]
RECORDS = 8611  # the sample's records (README)


def check_database(db: str) -> None:
    """The file is a whole analysis: every record, a verdict each, and the reports read it."""
    with duckdb.connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*), count(verdict) FROM flows").fetchall() == [
            (RECORDS, RECORDS)
        ]
        assert con.execute("SELECT count(*) FROM rule_usage").fetchall() == [(31,)]
    assert run("report", "rules", "--db", db, "--format", "csv").code == 0


def test_a_second_analyze_on_the_same_database_is_refused(tmp_path: Path) -> None:
    db = str(tmp_path / "f.duckdb")
    first = Held("load", tmp_path / "hold", *ANALYZE, "--db", db)
    first.wait()  # the first run is loading: it has the database open for writing

    second = run(*ANALYZE, "--db", db)
    assert second.code == 5
    line = second.error_line()
    assert f"database {db} is in use by another process" in line
    assert "wait for the other flowsg run to finish, or use another --db" in line
    assert second.stdout == ""
    reader = run("report", "rules", "--db", db)  # a report waits for no one either
    assert reader.code == 5
    assert "is in use by another process" in reader.error_line()

    first.release()
    result = first.finish()
    assert result.code == 0, result.stderr
    assert f"Analyzed {RECORDS:,} record(s)" in result.stdout
    check_database(db)


def test_two_analyze_runs_started_together(tmp_path: Path) -> None:
    """No pause: both start at once. Whichever gets the file first finishes; the other either
    finishes after it or is refused with the one line, and the file is a whole analysis."""
    db = str(tmp_path / "f.duckdb")
    for _ in range(2):
        processes = [
            subprocess.Popen(
                command(*ANALYZE, "--db", db),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=environment(),
            )
            for _ in range(2)
        ]
        results = []
        for p in processes:
            out, err = p.communicate(timeout=300)
            results.append(Result(p.returncode, out.decode(), err.decode()))
        assert any(r.code == 0 for r in results), [r.stderr for r in results]
        for r in results:
            if r.code != 0:
                assert r.code == 5
                assert "is in use by another process" in r.error_line()
                assert r.stdout == ""
        check_database(db)


def test_a_killed_analyze_leaves_the_previous_analysis(tmp_path: Path) -> None:
    """SIGKILL in the middle of a load (no chance to roll back): DuckDB's write-ahead log is
    replayed on the next open and the database is the previous analysis, whole."""
    db = str(tmp_path / "f.duckdb")
    assert run(*ANALYZE, "--db", db).code == 0
    held = Held("load", tmp_path / "hold", *ANALYZE, "--db", db)
    held.wait()
    assert held.kill(signal.SIGKILL).code == -signal.SIGKILL
    check_database(db)
    again = run(*ANALYZE, "--db", db)  # and the next run can take the file
    assert again.code == 0, again.stderr
    check_database(db)
