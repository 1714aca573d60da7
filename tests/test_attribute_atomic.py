"""A failed attribution changes nothing: flows and rule_usage stay as the last good run left
them (the records' key_id, flow_verdicts, the view flows and rule_usage are written in one
transaction), and no half-made table stays behind."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import flowsg
from flowsg import verdict

SAMPLE = Path(__file__).resolve().parent.parent / "sample_logs"


def test_a_failed_attribution_leaves_flows_and_rule_usage_as_they_were(
    con: duckdb.DuckDBPyConnection,
) -> None:
    flowsg.analyze(con, [SAMPLE], SAMPLE / "snapshot")
    before = con.execute("SELECT verdict, count(*) FROM flows GROUP BY ALL ORDER BY 1").fetchall()
    usage = con.execute("SELECT * FROM rule_usage ORDER BY rule_id").fetchall()
    assert sum(n for _, n in before) > 0
    before_tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    con.execute("DROP TABLE nacls").fetchall()  # the first step reads it
    before_tables.discard("nacls")
    with pytest.raises(duckdb.Error):
        flowsg.attribute(con)
    after = con.execute("SELECT verdict, count(*) FROM flows GROUP BY ALL ORDER BY 1").fetchall()
    assert after == before
    assert con.execute("SELECT * FROM rule_usage ORDER BY rule_id").fetchall() == usage
    tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert tables == before_tables


def test_attribution_again_gives_the_same_verdicts(con: duckdb.DuckDBPyConnection) -> None:
    first = flowsg.analyze(con, [SAMPLE], SAMPLE / "snapshot").attribution.by_verdict
    again = flowsg.attribute(con).by_verdict
    assert again == first
    columns = [
        c
        for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'flows'"
        ).fetchall()
    ]
    assert columns.count("verdict") == 1


def test_a_failure_inside_the_final_transaction_undoes_all_of_it(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key_id of every record, flow_verdicts and the view are written before rule_usage, in
    one transaction: when the last statement fails, the records keep their old keys and verdicts."""
    flowsg.analyze(con, [SAMPLE], SAMPLE / "snapshot")
    query = "SELECT file_id, line_number, key_id FROM flow_records ORDER BY 1, 2"
    keys = con.execute(query).fetchall()
    before = con.execute("SELECT * FROM flows ORDER BY source_file, line_number").fetchall()
    usage = con.execute("SELECT * FROM rule_usage ORDER BY rule_id").fetchall()
    columns = store_columns(con)
    # a different snapshot: half the rules gone, so that the keys and verdicts would change
    con.execute("DELETE FROM rules WHERE hash(rule_id) % 2 = 0").fetchall()
    swap = verdict.SWAP
    assert swap[-1] == "match/rule_usage"
    monkeypatch.setattr(verdict, "SWAP", (*swap[:-1], "match/no_such_step"))
    with pytest.raises(FileNotFoundError):  # queries/match/no_such_step.sql
        flowsg.attribute(con)
    assert con.execute(query).fetchall() == keys
    assert con.execute("SELECT * FROM flows ORDER BY source_file, line_number").fetchall() == before
    assert con.execute("SELECT * FROM rule_usage ORDER BY rule_id").fetchall() == usage
    assert store_columns(con) == columns  # the new keys' column, committed slice by slice, dropped
    monkeypatch.setattr(verdict, "SWAP", swap)
    changed = flowsg.attribute(con)  # and the run that can finish does change them
    assert con.execute("SELECT * FROM flows ORDER BY source_file, line_number").fetchall() != before
    assert changed.records == len(before)


def test_attribution_of_a_database_file_commits_without_a_write_ahead_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attribution rewrites every record's key, slice by slice, then renames the column in its
    final transaction; each commit checkpoints in the same step, so those rows go into the file
    itself, not first into a write-ahead log as large as the flows (2.5 GB at 100M records), and
    the run's settings are as they were after the commit."""
    path = tmp_path / "flows.duckdb"
    wal = Path(f"{path}.wal")
    con = flowsg.connect(str(path))
    flowsg.load(con, [SAMPLE])
    flowsg.load_snapshot(con, SAMPLE / "snapshot")
    commit = verdict.db.commit_checkpointed
    logged: list[int] = []

    def commit_and_look(c: duckdb.DuckDBPyConnection) -> None:
        commit(c)
        logged.append(wal.stat().st_size if wal.exists() else 0)

    monkeypatch.setattr(verdict.db, "commit_checkpointed", commit_and_look)
    monkeypatch.setattr(verdict, "ASSIGN_ROWS", 1000)  # several slices of keys, each committed
    try:
        flowsg.attribute(con)
        [(rows,)] = con.execute("SELECT count(*) FROM flow_store").fetchall()
        assert len(logged) == -(-rows // 1000) + 1 > 3  # the slices, then the final transaction
        assert logged == [0] * len(logged)  # the log was empty after every commit
        query = "SELECT current_setting('checkpoint_threshold')"
        assert con.execute(query).fetchone() == flowsg.connect(":memory:").execute(query).fetchone()
        assert con.execute("SELECT count(*) FROM flows WHERE verdict IS NULL").fetchone() == (0,)
    finally:
        con.close()


def store_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    query = "SELECT column_name FROM duckdb_columns() WHERE table_name = 'flow_store'"
    return [c for (c,) in con.execute(query).fetchall()]


def test_a_failure_between_the_slices_of_keys_changes_nothing(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new keys are written slice by slice, each slice committed, into a column of their own
    (key_id_next): when a slice fails, the records keep their keys and verdicts, and the column
    is gone again."""
    flowsg.analyze(con, [SAMPLE], SAMPLE / "snapshot")
    query = "SELECT file_id, line_number, key_id FROM flow_records ORDER BY 1, 2"
    keys = con.execute(query).fetchall()
    before = con.execute("SELECT * FROM flows ORDER BY source_file, line_number").fetchall()
    columns = store_columns(con)
    con.execute("DELETE FROM rules WHERE hash(rule_id) % 2 = 0").fetchall()  # other verdicts
    monkeypatch.setattr(verdict, "ASSIGN_ROWS", 1000)
    run = verdict.sql.run
    slices: list[int] = []

    def failing_in_the_third_slice(
        c: duckdb.DuckDBPyConnection, name: str, params: dict[str, int] | None = None
    ) -> duckdb.DuckDBPyConnection:
        if name.startswith("match/assign_keys"):
            slices.append(params["first_row"] if params else -1)
            if len(slices) == 3:
                raise duckdb.InterruptException("interrupted")
        return run(c, name, params)

    monkeypatch.setattr(verdict.sql, "run", failing_in_the_third_slice)
    with pytest.raises(duckdb.InterruptException):
        flowsg.attribute(con)
    assert slices == [0, 1000, 2000]  # two slices were committed before the failure
    assert con.execute(query).fetchall() == keys
    assert con.execute("SELECT * FROM flows ORDER BY source_file, line_number").fetchall() == before
    assert store_columns(con) == columns


def test_an_attribution_drops_the_column_a_killed_one_left(con: duckdb.DuckDBPyConnection) -> None:
    flowsg.analyze(con, [SAMPLE], SAMPLE / "snapshot")
    columns = store_columns(con)
    verdict.sql.run(con, "match/add_next_keys_column").fetchall()  # as a killed run leaves it
    assert "key_id_next" in store_columns(con)
    again = flowsg.attribute(con)
    assert store_columns(con) == columns
    assert again.records == con.execute("SELECT count(*) FROM flows").fetchall()[0][0]


def test_attribution_in_memory_keeps_no_versions_of_the_updated_keys(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In memory, each slice of keys is committed and then checkpointed (db.commit_checkpointed):
    checkpointed in the commit itself, DuckDB kept the versions of every updated row for good
    (TRANSACTION memory, 196 MB at 10M records)."""
    monkeypatch.setattr(verdict, "ASSIGN_ROWS", 1000)
    commit = verdict.db.commit_checkpointed
    held: list[int] = []
    memory = "SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory() WHERE tag = $tag"

    def commit_and_look(c: duckdb.DuckDBPyConnection) -> None:
        commit(c)
        held.append(c.execute(memory, {"tag": "TRANSACTION"}).fetchall()[0][0])

    monkeypatch.setattr(verdict.db, "commit_checkpointed", commit_and_look)
    flowsg.analyze(con, [SAMPLE], SAMPLE / "snapshot")
    [(rows,)] = con.execute("SELECT count(*) FROM flow_store").fetchall()
    assert len(held) == -(-rows // 1000) + 1 > 3  # the slices, then the final transaction
    assert held == [0] * len(held)
