"""Spark writes the files of `--out` itself (flowsg.spark.output): the same rows and columns as the
DuckDB engine's files, flows.parquet partitioned by date when large."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

import flowsg
from flowsg.output import write_outputs

SAMPLE = Path(__file__).resolve().parent.parent / "sample_logs"


def rows(path: Path, drop: tuple[str, ...] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
    """A Parquet file's or folder's columns and rows, in one order."""
    table = pq.read_table(path)
    names = [n for n in table.column_names if n not in drop]
    values = table.select(names).to_pylist()
    return names, sorted(tuple(str(r[n]) for n in names) for r in values)


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory: pytest.TempPathFactory, spark: Any) -> tuple[Path, Any, Any]:
    """The sample analyzed by DuckDB (its --out in `duckdb/`, and its summary) and by Spark from
    the same records (flows, rule_usage, malformed and files views in the session)."""
    from flowsg.spark.attribute import attribute
    from flowsg.spark.tables import records_to_spark, snapshot_to_spark, to_spark

    base = tmp_path_factory.mktemp("outputs")
    con = flowsg.connect(":memory:")
    flowsg.analyze(con, [SAMPLE], SAMPLE / "snapshot")
    write_outputs(con, base / "duckdb", {"from": "duckdb"})
    snapshot_to_spark(con, spark)
    records_to_spark(con, spark)
    to_spark(con, spark, "malformed")
    to_spark(con, spark, "files")
    attribute(spark)
    summary = flowsg.analyze_summary(con)
    con.close()
    return base, spark, summary


@pytest.mark.parametrize("partitioned", [False, True])
def test_spark_writes_the_rows_and_columns_duckdb_writes(
    analyzed: tuple[Path, Any, Any], partitioned: bool
) -> None:
    from flowsg.spark.output import write_outputs as spark_outputs

    base, spark, _ = analyzed
    out = base / ("spark-by-date" if partitioned else "spark")
    written = spark_outputs(
        spark, str(out), summary={"from": "spark"}, partition_records=0 if partitioned else 10**9
    )
    for name in ("flows", "rule_usage", "malformed"):
        expected = rows(base / "duckdb" / f"{name}.parquet")
        assert rows(out / f"{name}.parquet", drop=("date",)) == expected, name
        assert written[name] == len(expected[1]) > 0
    days = sorted(p.name for p in (out / "flows.parquet").iterdir() if p.name.startswith("date="))
    if partitioned:  # the sample's records span a few UTC days
        assert days and all(len(d) == len("date=2026-11-02") for d in days)
        table = pq.read_table(out / "flows.parquet")
        starts = table.column("start").to_pylist()
        dates = table.column("date").to_pylist()
        assert all(str(d) == _utc_day(s) for s, d in zip(starts, dates, strict=True) if s)
    else:
        assert days == []
        assert len(list((out / "flows.parquet").glob("*.parquet"))) == 1
    assert json.loads((out / "summary.json").read_text()) == {"from": "spark"}


def _utc_day(seconds: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(seconds, UTC).date().isoformat()


def test_spark_summarises_with_the_same_statements(analyzed: tuple[Path, Any, Any]) -> None:
    """What analyze prints and summary.json holds: the same on Spark as on DuckDB."""
    from flowsg.output import summary_document
    from flowsg.spark.summary import analyze_summary

    _, spark, expected = analyzed
    summary = analyze_summary(spark)
    assert summary == expected
    assert summary_document(summary) == summary_document(expected)
    assert sum(n for _, n in summary.by_verdict) == summary.load.record_count > 0
