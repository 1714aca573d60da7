"""A failed or interrupted load leaves the tables as they were: a load writes into staging tables
(<table>_loading), committed batch by batch, and makes them the tables in one transaction at the
end. The load is stopped half-way by its progress callback raising, as Ctrl-C would."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import flowsg
from flowsg.ingest import LOADED_TABLES, Progress

SAMPLE = Path(__file__).resolve().parent.parent / "sample_logs"
STATE = {
    "flows": "SELECT * FROM flows ORDER BY source_file, line_number",
    "malformed": "SELECT * FROM malformed ORDER BY source_file, line_number",
    "files": "SELECT * FROM files ORDER BY source_file",
    "rule_usage": "SELECT * FROM rule_usage ORDER BY rule_id",
}


class Stop(Exception):
    pass


def stop_at_file(n: int) -> flowsg.ingest.ProgressCallback:
    def progress(p: Progress) -> None:
        if p.files_done == n and p.current_file:
            raise Stop(f"stopped before file {n}")

    return progress


def state(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[object, ...]]]:
    return {name: con.execute(query).fetchall() for name, query in STATE.items()}


def tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }


@pytest.mark.parametrize("append", [False, True])
def test_an_interrupted_load_leaves_the_analysis_as_it_was(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch, append: bool
) -> None:
    monkeypatch.setattr(flowsg.ingest._Batches, "max_lines", 10)  # commit small batches
    flowsg.analyze(con, [SAMPLE], SAMPLE / "snapshot")
    before, names = state(con), tables(con)
    files = flowsg.walk([SAMPLE]).files
    assert len(files) >= 3
    with pytest.raises(Stop):
        # the first files are read and their batches committed to the staging tables
        flowsg.load(con, files, append=append, progress=stop_at_file(len(files) - 1))
    assert state(con) == before  # verdicts too: the attributed view is kept
    assert tables(con) == names
    assert not [t for t in tables(con) if t.endswith("_loading")]


def test_a_finished_load_replaces_or_appends(con: duckdb.DuckDBPyConnection) -> None:
    files = flowsg.walk([SAMPLE]).files
    flowsg.load(con, files[:2])
    first = con.execute("SELECT count(*) FROM flows").fetchone()
    flowsg.load(con, files[2:], append=True)
    both = con.execute("SELECT count(*), count(DISTINCT source_file) FROM flows").fetchone()
    flowsg.load(con, files)
    again = con.execute("SELECT count(*), count(DISTINCT source_file) FROM flows").fetchone()
    assert first is not None and both is not None and again is not None
    assert both == again and both[0] > first[0]
    assert not [t for t in tables(con) if t.endswith("_loading")]
    # each file's path is kept once, under one number per load
    ids = con.execute("SELECT count(*), count(DISTINCT file_id) FROM source_files").fetchone()
    assert ids == (len(files), len(files))
    assert set(LOADED_TABLES) <= tables(con)


def test_after_a_load_flows_has_no_verdicts_until_attributed(
    con: duckdb.DuckDBPyConnection,
) -> None:
    n = flowsg.analyze(con, [SAMPLE], SAMPLE / "snapshot").attribution.records
    flowsg.load(con, [SAMPLE], append=True)
    columns = {
        c
        for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'flows'"
        ).fetchall()
    }
    assert "verdict" not in columns and "source_file" in columns
    assert flowsg.attribute(con).records == 2 * n > 0
    assert con.execute("SELECT count(*) FROM flows WHERE verdict IS NULL").fetchone() == (0,)


def test_a_database_whose_flows_is_a_table_is_loaded_again(tmp_path: Path) -> None:
    """Before flows became a view, it was a table: loading into such a database replaces it."""
    db = str(tmp_path / "old.duckdb")
    with duckdb.connect(db) as old:
        old.execute("CREATE TABLE flows AS SELECT 1 AS version").fetchall()
    con = flowsg.connect(db)
    try:
        result = flowsg.analyze(con, [SAMPLE], SAMPLE / "snapshot")
        kind = con.execute(
            "SELECT table_type FROM information_schema.tables WHERE table_name = 'flows'"
        ).fetchall()
        assert kind == [("VIEW",)]
        assert con.execute("SELECT count(*) FROM flows").fetchone() == (result.attribution.records,)
    finally:
        con.close()
