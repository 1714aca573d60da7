"""Records are stored in flow_store with the columns of the fields some loaded file had, no more;
the view flow_records gives every known field (NULL where a record's format lacks it), and a load
adds a column when a file brings a new field: in the middle of a load, and with --append. A
database of an earlier version, whose records are the full-width table flow_records, is migrated."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import flowsg
from flowsg import dialect, sql
from flowsg.fields import FIELDS

SAMPLE = Path(__file__).resolve().parent.parent / "sample_logs"
DEFAULT_HEADER = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
    "start end action log-status"
)
DEFAULT_LINES = [
    "2 111122223333 eni-0a1 198.51.100.7 192.0.2.10 49152 443 6 10 840 1700000000 1700000060 "
    "ACCEPT OK",
    "2 111122223333 eni-0a1 192.0.2.10 198.51.100.7 443 49152 6 8 6000 1700000000 1700000060 "
    "ACCEPT OK",
]
CUSTOM_HEADER = (
    "version vpc-id interface-id srcaddr dstaddr srcport dstport protocol tcp-flags packets bytes "
    "start end action log-status flow-direction pkt-srcaddr"
)
CUSTOM_LINES = [
    "5 vpc-0b2 eni-0a2 2001:db8::5 2001:db8::9 50000 22 6 2 3 180 1700000100 1700000160 "
    "REJECT OK ingress 2001:db8::5",
]


def write(path: Path, header: str, lines: list[str]) -> Path:
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def stored(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {c for (c,) in con.execute("SELECT column_name FROM (DESCRIBE flow_store)").fetchall()}


def kind(con: duckdb.DuckDBPyConnection, name: str) -> str:
    [(k,)] = con.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchall()
    return str(k)


def rows(con: duckdb.DuckDBPyConnection, columns: str) -> list[tuple[object, ...]]:
    return con.execute(f"SELECT {columns} FROM flows ORDER BY start, srcport").fetchall()


ALL_COLUMNS = [f.column for f in FIELDS]


def test_a_default_format_load_stores_only_the_default_fields(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    flowsg.load(con, [write(tmp_path / "a.log", DEFAULT_HEADER, DEFAULT_LINES)])
    default = {c.replace("-", "_") for c in DEFAULT_HEADER.split()}
    addresses = {f"{a}_{half}" for a in ("srcaddr", "dstaddr") for half in ("hi", "lo")}
    assert stored(con) == default | addresses | {"file_id", "line_number", "key_id"}
    assert kind(con, "flow_store") == "BASE TABLE"
    assert kind(con, "flow_records") == "VIEW"
    # every known field is a column of flow_records and flows, NULL where the format lacks it
    view = [c for (c,) in con.execute("SELECT column_name FROM (DESCRIBE flows)").fetchall()]
    assert view[: len(ALL_COLUMNS)] == ALL_COLUMNS
    assert rows(con, "vpc_id, tcp_flags, flow_direction, pkt_srcaddr_hi") == [(None,) * 4] * 2
    assert rows(con, "srcport, bytes") == [(443, 6000), (49152, 840)]


def test_a_new_field_in_the_middle_of_a_load_adds_its_column(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(flowsg.ingest._Batches, "max_lines", 1)  # a batch per line
    files = [
        write(tmp_path / "a.log", DEFAULT_HEADER, DEFAULT_LINES),
        write(tmp_path / "b.log", CUSTOM_HEADER, CUSTOM_LINES),
    ]
    flowsg.load(con, files)
    assert {"vpc_id", "tcp_flags", "flow_direction", "pkt_srcaddr", "pkt_srcaddr_hi"} <= stored(con)
    assert "pkt_dstaddr" not in stored(con) and "account_id" in stored(con)
    assert rows(con, "account_id, vpc_id, tcp_flags, flow_direction, pkt_srcaddr") == [
        ("111122223333", None, None, None, None),
        ("111122223333", None, None, None, None),
        (None, "vpc-0b2", 2, "ingress", "2001:db8::5"),
    ]
    [(n,)] = con.execute("SELECT count(*) FROM flows WHERE pkt_srcaddr_hi IS NOT NULL").fetchall()
    assert n == 1


def test_append_adds_the_new_fields_to_the_stored_records(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    flowsg.load(con, [write(tmp_path / "a.log", DEFAULT_HEADER, DEFAULT_LINES)])
    flowsg.load(con, [write(tmp_path / "b.log", CUSTOM_HEADER, CUSTOM_LINES)], append=True)
    assert "flow_direction" in stored(con)
    assert rows(con, "interface_id, flow_direction, dstport") == [
        ("eni-0a1", None, 49152),
        ("eni-0a1", None, 443),
        ("eni-0a2", "ingress", 22),
    ]
    # and a load without --append starts again from the new files' fields
    flowsg.load(con, [write(tmp_path / "a.log", DEFAULT_HEADER, DEFAULT_LINES)])
    assert "flow_direction" not in stored(con)


def test_the_sample_attributes_the_same_through_the_view(con: duckdb.DuckDBPyConnection) -> None:
    """key_id is written into flow_store by its row (record_row); every record gets its key."""
    flowsg.analyze(con, [SAMPLE], SAMPLE / "snapshot")
    [(unkeyed,)] = con.execute("SELECT count(*) FROM flow_store WHERE key_id IS NULL").fetchall()
    assert unkeyed == 0
    [(n, rows_)] = con.execute(
        "SELECT count(*), count(DISTINCT record_row) FROM flow_records"
    ).fetchall()
    assert n == rows_ > 0


def test_keys_assigned_slice_by_slice_are_the_keys_assigned_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """match/assign_keys updates flow_store by slices of rowids (verdict.ASSIGN_ROWS): with a
    slice of 7 rows the sample's records get the verdicts they get in one slice, every record
    is keyed, and rows deleted from the middle (gaps in the rowids) leave none out."""
    query = "SELECT source_file, line_number, verdict, matched_rule_ids, reason FROM flows"
    whole = flowsg.connect(":memory:")
    flowsg.analyze(whole, [SAMPLE], SAMPLE / "snapshot")
    expected = sorted(whole.execute(query).fetchall())
    monkeypatch.setattr(flowsg.verdict, "ASSIGN_ROWS", 7)
    sliced = flowsg.connect(":memory:")
    flowsg.analyze(sliced, [SAMPLE], SAMPLE / "snapshot")
    assert sorted(sliced.execute(query).fetchall()) == expected
    [(n,)] = sliced.execute("SELECT count(*) FROM flow_store").fetchall()
    assert n > 3 * 7  # several slices
    sliced.execute("DELETE FROM flow_store WHERE rowid BETWEEN 5 AND 12").fetchall()
    sliced.execute("UPDATE flow_store SET key_id = NULL").fetchall()
    flowsg.attribute(sliced)
    [(unkeyed, left)] = sliced.execute(
        "SELECT count(*) FILTER (WHERE key_id IS NULL), count(*) FROM flow_store"
    ).fetchall()
    assert (unkeyed, left) == (0, n - 8)


@pytest.mark.parametrize("append", [False, True])
def test_a_database_whose_flow_records_is_a_table_is_migrated(tmp_path: Path, append: bool) -> None:
    """Before flow_store, the records were the table flow_records with every column."""
    path = tmp_path / "old.duckdb"
    with flowsg.connect(str(path)) as old:
        flowsg.analyze(old, [SAMPLE], SAMPLE / "snapshot")
        before = old.execute("SELECT count(*) FROM flows").fetchall()[0][0]
        old.execute("CREATE TABLE old_records AS SELECT * EXCLUDE (record_row) FROM flow_records")
        old.execute("DROP VIEW flow_records")
        old.execute("DROP TABLE flow_store")
        old.execute("ALTER TABLE old_records RENAME TO flow_records")
        assert old.execute("SELECT count(*) FROM flows").fetchall()[0][0] == before
    with flowsg.connect(str(path)) as con:
        if append:
            flowsg.load(con, [SAMPLE], append=True)
        else:
            flowsg.analyze(con, [SAMPLE], SAMPLE / "snapshot")
        assert kind(con, "flow_records") == "VIEW"
        assert kind(con, "flow_store") == "BASE TABLE"
        [(after,)] = con.execute("SELECT count(*) FROM flows").fetchall()
        assert after == (2 * before if append else before)


def test_a_database_whose_flows_is_a_table_asks_for_a_new_analysis(tmp_path: Path) -> None:
    """An early development version kept the analysed records as the table flows alone. The
    reports that read flow_records and flow_verdicts (the rules' breakdowns, what-if, the
    evidence) say so with a hint, as for any database without an analysis, instead of failing
    on a missing table."""
    path = tmp_path / "early.duckdb"
    with flowsg.connect(str(path)) as early:
        flowsg.analyze(early, [SAMPLE], SAMPLE / "snapshot")
        early.execute("CREATE TABLE flows_table AS SELECT * FROM flows")
        early.execute("DROP VIEW flows")
        early.execute("DROP VIEW flow_rows")
        early.execute("DROP VIEW flow_records")
        early.execute("DROP TABLE flow_verdicts")
        early.execute("DROP TABLE flow_store")
        early.execute("ALTER TABLE flows_table RENAME TO flows")
    with flowsg.connect(str(path), read_only=True) as con:
        with pytest.raises(flowsg.DatabaseError, match="flow_records, flow_verdicts missing") as e:
            flowsg.report_rules(con)
        assert e.value.exit_code == 5 and "flowsg analyze" in e.value.hint
    with flowsg.connect(str(path)) as con:  # analysing it again replaces the table flows
        flowsg.analyze(con, [SAMPLE], SAMPLE / "snapshot")
        assert flowsg.report_rules(con).num_rows > 0


def test_a_ddl_template_takes_plain_names_only(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE flow_store_loading (file_id INTEGER)")
    with pytest.raises(ValueError, match="not a plain name"):
        sql.run_template(
            con,
            "ingest/add_store_column",
            table="flow_store_loading",
            column='x" INT; --',
            type="INTEGER",
        )
    with pytest.raises(ValueError, match="not a plain name"):
        sql.run_template(
            con, "ingest/add_store_column", table="flow_store_loading", column="x", type="INT; --"
        )
    sql.run_template(
        con, "ingest/add_store_column", table="flow_store_loading", column="vpc_id", type="VARCHAR"
    )
    assert [
        c
        for (c,) in con.execute("SELECT column_name FROM (DESCRIBE flow_store_loading)").fetchall()
    ] == ["file_id", "vpc_id"]


def _table_bytes(con: duckdb.DuckDBPyConnection) -> int:
    [(n,)] = con.execute(
        "SELECT memory_usage_bytes FROM duckdb_memory() WHERE tag = 'IN_MEMORY_TABLE'"
    ).fetchall()
    return int(n)


def test_in_memory_records_are_held_compressed(tmp_path: Path) -> None:
    """In memory, a load checkpoints (every CHECKPOINT_ROWS records and at its end), which is
    when DuckDB compresses what it holds: the records take a fraction of the memory of a copy
    of them that was not checkpointed."""
    lines = [
        f"2 111122223333 eni-0a{i % 50} 198.51.100.{i % 200} 192.0.2.{i % 100} {1024 + i % 60000} "
        f"443 6 {i % 90 + 1} {i % 9000 + 40} {1700000000 + i // 100} {1700000060 + i // 100} "
        f"{'ACCEPT' if i % 20 else 'REJECT'} OK"
        for i in range(300_000)
    ]
    logs = write(tmp_path / "flows.log", DEFAULT_HEADER, lines)
    con = flowsg.connect(":memory:")
    flowsg.load(con, [logs])
    before = _table_bytes(con)
    con.execute("CREATE TABLE plain AS SELECT * FROM flow_store").fetchall()
    plain = _table_bytes(con) - before  # DuckDB's automatic checkpoints are off (db.connect)
    con.close()
    assert plain > 300_000 * 40  # the copy holds the rows uncompressed
    assert before * 3 < plain


def test_keys_are_found_by_their_columns_when_two_keys_share_a_hash() -> None:
    """match/assign_keys_hashed finds a record's key by one hash of its 15 key columns, which is
    only right while no two keys share a hash; with a hash that is the same for every key, the
    keys must be found by their columns (match/assign_keys), with the same verdicts."""
    query = "SELECT source_file, line_number, verdict, matched_rule_ids, reason FROM flows"
    hashed = flowsg.connect(":memory:")
    flowsg.analyze(hashed, [SAMPLE], SAMPLE / "snapshot")
    assert hashed.execute(sql.query("match/key_hashes_unique")).fetchall() == [(True,)]
    expected = sorted(hashed.execute(query).fetchall())
    collide = flowsg.connect(":memory:")
    params = ", ".join(dialect.macros("duckdb")["flowsg_key_hash"].params)
    collide.execute(f"CREATE OR REPLACE TEMP MACRO flowsg_key_hash({params}) AS 7").fetchall()
    flowsg.analyze(collide, [SAMPLE], SAMPLE / "snapshot")
    assert collide.execute(sql.query("match/key_hashes_unique")).fetchall() == [(False,)]
    assert sorted(collide.execute(query).fetchall()) == expected
    [(keys,)] = collide.execute("SELECT count(*) FROM flow_keys").fetchall()
    [(used,)] = collide.execute("SELECT count(DISTINCT key_id) FROM flow_store").fetchall()
    assert used == keys + 1 > 2  # every key, and 0 for the records not judged
