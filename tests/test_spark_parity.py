"""Parity (issue 9): the attribution queries give the same answers on Spark as on DuckDB.

Both engines run the same steps (flowsg.match.STEPS, flowsg.verdict.STEPS and SWAP) from the same
files of queries/, Spark through flowsg.dialect. The records are loaded by flowsg's DuckDB ingest
and handed to Spark (flowsg.spark.tables) before DuckDB attributes them; then every record's row
of `flows` (every column), the keys' `flow_verdicts`, `rule_usage` and the counts by verdict must
be identical, and `flows` and `rule_usage` must have the same columns and types on both.

Cases: the sample scenario (sample_logs/, with its network ACLs, IPv6, NODATA, BPA rejects), and
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
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import reference_matcher as ref
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_matcher_reference import cases

import flowsg
from flowsg import dialect, sql
from flowsg.match import STEPS as MATCH_STEPS
from flowsg.snapshot import TABLES as SNAPSHOT_TABLES
from flowsg.verdict import STEPS as VERDICT_STEPS
from flowsg.verdict import SWAP

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs"
ATTRIBUTION = (*MATCH_STEPS, *VERDICT_STEPS, *SWAP, "verdict/by_verdict")
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
    ports = dialect.spark_statement("match/port_classes").query
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
    assert by(spark_rows(spark, "flow_verdicts"), "key_id") == by(
        duckdb_rows(con, "flow_verdicts"), "key_id"
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
    for name in ("ingest/create_flow_records", "ingest/create_source_files"):
        sql.run(con, name).fetchall()
    for table, pieces in parts.items():
        combined = pa.concat_tables(pieces)
        if table in RECORD_TABLES:
            con.from_arrow(combined).insert_into(table)
        else:
            con.from_arrow(combined).create(table)
    sql.run(con, "ingest/flow_rows_view").fetchall()
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
