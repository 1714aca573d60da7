"""Parity (issue 9): the attribution queries give the same answers on Spark as on DuckDB.

Both engines run the same steps (flowsg.match.STEPS, flowsg.verdict.STEPS and SWAP) from the same
files of queries/, Spark through flowsg.dialect. The records are loaded by flowsg's DuckDB ingest
and handed to Spark (flowsg.spark.tables) before DuckDB attributes them; then every record's row
of `flows` (every column), the keys' `flow_verdicts` (but for the keys' numbers, which each engine
gives in its own order), `rule_usage` and the counts by verdict must be identical, and `flows`
and `rule_usage` must have the same columns and types on both.

Cases: the sample scenario (sample_logs/, with its network ACLs, IPv6, NODATA, BPA rejects), the
hand-made network ACL cases of test_nacl.py, and
random snapshots and records from the generators of test_matcher_reference.py (the ones the
brute-force reference is checked on). A Spark run costs seconds whatever its size, so each
Hypothesis example puts several random cases into one database: every identifier of case i
(the VARCHAR columns named *_id, the file numbers and paths) is tagged with i, so that the cases
share no interface, group, rule or file and cannot interfere (port classes are computed over all
rules, a refinement that changes no answer). FLOWSG_SPARK_EXAMPLES sets the examples (default 3,
of CASES_PER_EXAMPLE cases each). A failing example is not shrunk (every step of shrinking is a
Spark run); the case a differing record belongs to is in its file path, c<i>-....

The tests without Spark (the dialect layer) run everywhere; those with Spark use the
session-wide `spark` fixture of conftest.py, skipped only where there is no Java runtime.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import reference_matcher as ref
import test_nacl as nacl_cases
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_ip_numbers import EDGE_CASES, address_like, address_texts, hi_lo, reference_value
from test_matcher_reference import cases

import flowsg
from flowsg import dialect, sql
from flowsg.match import STEPS as MATCH_STEPS
from flowsg.snapshot import TABLES as SNAPSHOT_TABLES
from flowsg.verdict import ASSIGN_KEYS, SWAP
from flowsg.verdict import STEPS as VERDICT_STEPS

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs"
ATTRIBUTION = (*MATCH_STEPS, *VERDICT_STEPS, ASSIGN_KEYS, *SWAP, "verdict/by_verdict")
RECORD_TABLES = ("flow_records", "source_files")
CASES_PER_EXAMPLE = 8
EXAMPLES = int(os.environ.get("FLOWSG_SPARK_EXAMPLES", "3"))
SPARK_TYPES = {
    "INTEGER": "int",
    "BIGINT": "bigint",
    "VARCHAR": "string",
    "BOOLEAN": "boolean",
    "VARCHAR[]": "array<string>",
}


# --- the engine layer, without Spark -------------------------------------------------------------


@pytest.mark.parametrize("name", ATTRIBUTION)
def test_every_attribution_step_has_a_spark_form(name: str) -> None:
    stmt = dialect.spark_statement(name)
    text = re.sub(r"/\*.*?\*/", " ", stmt.text, flags=re.DOTALL).lower()  # comments out
    for duckdb_only in ("flowsg_", "list_sort", "rowid", "exclude", "temp table", "[]::", " list("):
        assert duckdb_only not in text, duckdb_only
    assert dialect.statement(name, "duckdb") == sql.query(name)
    if name.startswith("verdict/"):
        assert stmt.target is None
    else:
        assert stmt.target is not None


def test_importing_flowsg_imports_neither_pyspark_nor_sqlglot() -> None:
    code = (
        "import sys, flowsg, flowsg.dialect, flowsg.spark; "
        "flowsg.dialect.statement('match/flow_keys'); "
        "print(sorted(m for m in ('pyspark', 'sqlglot') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_duckdb_path_is_the_queries_themselves() -> None:
    for name in ATTRIBUTION:
        assert dialect.source(name, "duckdb") == sql.query(name)
    with pytest.raises(ValueError, match="unknown engine"):
        dialect.statement("match/flow_keys", "postgres")


def test_the_spark_macros_mirror_the_duckdb_macros_they_replace() -> None:
    spark_macros = dialect.macros("spark")
    duckdb_macros = dialect.macros("duckdb")
    assert set(spark_macros) <= set(duckdb_macros)
    for name, macro in spark_macros.items():
        assert macro.params == duckdb_macros[name].params
        assert macro.table == duckdb_macros[name].table
    used = {m for m in duckdb_macros for step in ATTRIBUTION if m in sql.query(step).lower()}
    assert used <= set(spark_macros), "every macro the attribution uses has a Spark form"


def test_the_spark_assign_keys_finds_the_keys_as_duckdb_does() -> None:
    """Spark's match/assign_keys writes the records again instead of updating them by rowid; the
    join that finds each record's key must be DuckDB's, condition for condition."""
    import sqlglot
    from sqlglot import exp

    def key_join(text: str) -> str:
        tree = sqlglot.parse_one(text, read="duckdb")
        joins = [j for j in tree.find_all(exp.Join) if j.this.name == "flow_keys"]
        assert len(joins) == 1
        return joins[0].args["on"].sql(dialect="duckdb")

    assert key_join(dialect.source("match/assign_keys", "spark")) == key_join(
        sql.query("match/assign_keys")
    )


def test_macros_expand_inline_and_stars_expand_by_name() -> None:
    text = dialect.spark_statement("match/key_rule_lists").query
    assert "ARRAY_SORT(COLLECT_LIST(m.rule_id))" in text
    ports = dialect.spark_statement("match/port_class_list").query
    assert "RANGE(65536)" in ports and ") AS p" in ports
    expanded = dialect.expand_stars(
        "SELECT f.* EXCEPT (b), 1 AS c FROM t AS f", lambda name: {"t": ["a", "b", "d"]}[name]
    )
    assert " ".join(expanded.split()) == "SELECT `f`.`a`, `f`.`d`, 1 AS c FROM t AS f"


# --- both engines ------------------------------------------------------------------------------


def spark_modules() -> tuple[Any, Any]:
    from flowsg.spark import attribute, tables

    return attribute, tables


def duckdb_rows(con: duckdb.DuckDBPyConnection, table: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = con.table(table).to_arrow_table().to_pylist()
    return rows


def spark_rows(spark: Any, table: str) -> list[dict[str, Any]]:
    return [row.asDict(recursive=True) for row in spark.table(table).collect()]


def by(rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: tuple((r[k] is None, r[k] or 0) for k in keys))


def without_key_ids(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(repr(sorted((k, v) for k, v in r.items() if k != "key_id")) for r in rows)


def spark_schema(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    rel = con.table(table)
    return [(c, SPARK_TYPES[str(t)]) for c, t in zip(rel.columns, rel.types, strict=True)]


def attribute_both(con: duckdb.DuckDBPyConnection, spark: Any) -> None:
    """Hand the records and the snapshot to Spark, then attribute on both engines and require
    the same answers."""
    attribute, tables = spark_modules()
    tables.snapshot_to_spark(con, spark)
    tables.records_to_spark(con, spark)
    on_duckdb = flowsg.attribute(con)
    on_spark = attribute.attribute(spark)
    assert on_spark == on_duckdb

    for table in ("flows", "rule_usage"):
        got = [(f.name, f.dataType.simpleString()) for f in spark.table(table).schema.fields]
        assert got == spark_schema(con, table), table
    want = by(duckdb_rows(con, "flows"), "source_file", "line_number")
    got = by(spark_rows(spark, "flows"), "source_file", "line_number")
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g == w, f"{w['source_file']}:{w['line_number']}"
    # the keys are numbered differently (in no particular order); what they hold is the same
    assert without_key_ids(spark_rows(spark, "flow_verdicts")) == without_key_ids(
        duckdb_rows(con, "flow_verdicts")
    )
    assert by(spark_rows(spark, "rule_usage"), "rule_id") == by(
        duckdb_rows(con, "rule_usage"), "rule_id"
    )


def test_sample_scenario_on_both_engines(spark: Any) -> None:
    con = flowsg.connect(":memory:")
    try:
        flowsg.load(con, [SAMPLE])
        flowsg.load_snapshot(con, SAMPLE / "snapshot")
        attribute_both(con, spark)
        verdicts = {r["verdict"] for r in spark_rows(spark, "flows")}
        assert {"allowed", "return", "no_rule", "blocked_elsewhere", "skipped"} <= verdicts
    finally:
        con.close()


def test_network_acl_cases_on_both_engines(spark: Any, tmp_path: Path) -> None:
    """The hand-made network ACL cases of test_nacl.py (first match, default and associated
    ACLs, IPv6 `*` rules, port ranges, same-subnet traffic, BPA)."""
    log, snap = nacl_cases.write_case(
        tmp_path, **nacl_cases.CASE, records=[r for r, _, _ in nacl_cases.EXPECTED]
    )
    con = flowsg.connect(":memory:")
    try:
        flowsg.load(con, [log])
        flowsg.load_snapshot(con, snap)
        attribute_both(con, spark)
        reasons = {r["reason"] for r in spark_rows(spark, "flows")}
        assert any(r and "network ACL" in r for r in reasons)
    finally:
        con.close()


def test_missing_inputs_are_named(spark: Any) -> None:
    from flowsg.errors import DatabaseError

    attribute, tables = spark_modules()
    con = flowsg.connect(":memory:")
    try:
        for statements in attribute.INPUTS.values():
            for name in statements:
                sql.run(con, name).fetchall()
        flowsg.load_snapshot(con, SAMPLE / "snapshot")
        tables.snapshot_to_spark(con, spark)
        tables.records_to_spark(con, spark)
        spark.catalog.dropTempView("nacl_associations")
        with pytest.raises(DatabaseError, match=r"no table or view nacl_associations \(hint"):
            attribute.attribute(spark)
        tables.snapshot_to_spark(con, spark)
        spark.createDataFrame([(1,)], schema="file_id int").createOrReplaceTempView("source_files")
        lacks = r"source_files lacks the column\(s\) source_file \(hint"
        with pytest.raises(DatabaseError, match=lacks):
            attribute.attribute(spark)
    finally:
        con.close()


def tagged(table: pa.Table, case: int) -> pa.Table:
    """A table of case `case` with its identifiers made its own: every VARCHAR column named
    *_id and the file path prefixed with c<case>-, file numbers moved by 1000 per case."""
    columns = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_string(column.type) and (name.endswith("_id") or name == "source_file"):
            column = pc.binary_join_element_wise(f"c{case}-", column, "")
        elif name == "file_id":
            column = pc.add(column, pa.scalar(1000 * case, column.type))
        columns.append(column)
    return pa.table(columns, schema=table.schema)


def merged_cases(tmp: Path, drawn: Sequence[tuple[ref.Snap, list[dict[str, Any]]]]) -> Any:
    """One database holding every case, each loaded by flowsg on its own, then tagged."""
    parts: dict[str, list[pa.Table]] = {t: [] for t in (*RECORD_TABLES, *SNAPSHOT_TABLES)}
    for i, (snap, records) in enumerate(drawn):
        log, snap_dir = ref.write_case(tmp / f"case-{i}", snap.documents(), snap.entries(), records)
        one = flowsg.connect(":memory:")
        try:
            flowsg.load(one, [log])
            flowsg.load_snapshot(one, snap_dir)
            for table in parts:
                parts[table].append(tagged(one.table(table).to_arrow_table(), i))
        finally:
            one.close()
    con = flowsg.connect(":memory:")
    for table, pieces in parts.items():
        combined = pa.concat_tables(pieces)
        if table == "flow_records":  # a view of the stored records, and their row in flow_store
            con.from_arrow(combined.drop_columns(["record_row"])).create("flow_store")
        else:
            con.from_arrow(combined).create(table)
    for name in ("ingest/flow_records_view", "ingest/flow_rows_view"):
        sql.run(con, name).fetchall()
    return con


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: minutes of Spark runs
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(cases(), min_size=CASES_PER_EXAMPLE, max_size=CASES_PER_EXAMPLE))
def test_random_snapshots_and_records_on_both_engines(
    spark: Any, drawn: list[tuple[ref.Snap, list[dict[str, Any]]]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        con = merged_cases(Path(tmp), drawn)
        try:
            attribute_both(con, spark)
        finally:
            con.close()


# --- address parsing: ingest/ip_numbers with the Spark forms of its macros ---------------------


def ip_numbers(con: duckdb.DuckDBPyConnection, spark: Any, texts: list[str]) -> None:
    attribute, _ = spark_modules()
    addresses = pa.table({"a": pa.array(sorted(set(texts)), pa.string())})
    con.from_arrow(addresses).create("batch_addresses")
    sql.run(con, "ingest/ip_numbers").fetchall()
    spark.createDataFrame(addresses.to_pylist(), schema="a string").createOrReplaceTempView(
        "batch_addresses"
    )
    attribute.run(spark, "ingest/ip_numbers")
    on_duckdb = {(r["addr"], r["hi"], r["lo"]) for r in duckdb_rows(con, "ip_numbers")}
    on_spark = {(r["addr"], r["hi"], r["lo"]) for r in spark_rows(spark, "ip_numbers")}
    assert on_spark == on_duckdb
    want = set()
    for text in set(texts):
        value = reference_value(text)
        if value is not None:
            want.add((text, *hi_lo(value)))
    assert on_spark == want


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.lists(st.one_of(address_texts(), address_like), min_size=50, max_size=150))
def test_address_parsing_on_both_engines(spark: Any, texts: list[str]) -> None:
    """The same macros' Spark forms give the numbers of DuckDB's and of Python's ipaddress, for
    the address texts of test_ip_numbers.py (every spelling, near misses) and its edge cases."""
    con = flowsg.connect(":memory:")
    try:
        # a final line terminator: Java's $ would match before it, RE2's full match does not
        trailing = ["10.0.0.5\n", "10.0.0.5\r", "::1\n", "::ffff:1.2.3.4\n"]
        ip_numbers(con, spark, texts + [text for text, _ in EDGE_CASES] + trailing)
    finally:
        con.close()
