"""`flowsg analyze --engine spark` (issue 9, part B): Spark reads the flow logs itself and the run
leaves the same outputs as the DuckDB engine.

Real files, real Spark (local[2], the test session's one) and real DuckDB: the sample scenario
end to end through the CLI (the same files, columns and rows in --out, the same verdicts, the
reports on the database it leaves), and inputs with every kind of bad line, gzip and Parquet read
by both engines' ingestion (the same records, the same quarantine: file, line, reason, raw). The
module is skipped, with the reason, only where pyspark or a Java runtime is missing.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import flowsg
from flowsg.cli import cli

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'flowsg[spark]')")
pytest.importorskip("sqlglot", reason="sqlglot is not installed (pip install 'flowsg[spark]')")

from flowsg.spark import ingest
from flowsg.spark.session import java_available

if not java_available():
    pytest.skip(
        "no Java runtime (java on PATH or JAVA_HOME): Spark cannot start",
        allow_module_level=True,
    )

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs"
SNAPSHOT = SAMPLE / "snapshot"

# `spark`: the session-wide local[2] Spark of conftest.py (the CLI runs reuse it).


@pytest.fixture(scope="module")
def sample_runs(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample analyzed by both engines through the CLI, each into its own --db and --out."""
    base = tmp_path_factory.mktemp("sample")
    runner = CliRunner()
    out: dict[str, Path] = {}
    for engine in ("duckdb", "spark"):
        args = [
            "analyze",
            str(SAMPLE),
            "--snapshot",
            str(SNAPSHOT),
            "--db",
            str(base / f"{engine}.duckdb"),
            "--out",
            str(base / engine),
        ]
        if engine == "spark":
            args += ["--engine", "spark", "--spark-master", "local[2]"]
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert "Analyzed 8,611 record(s) from 4 file(s) against 31 rule(s)" in result.output
        out[engine] = base / engine
    return out


def _rows(path: Path, order: list[str]) -> tuple[pa.Schema, list[dict[str, Any]]]:
    table = pq.read_table(path)
    return table.schema, table.sort_by([(c, "ascending") for c in order]).to_pylist()


def _same_file(spark_file: Path, duck_file: Path, order: list[str]) -> None:
    """The same column names and types (not nullability: Spark's writer marks columns otherwise)
    and the same rows."""
    spark_schema, spark_rows = _rows(spark_file, order)
    duck_schema, duck_rows = _rows(duck_file, order)
    assert spark_schema.names == duck_schema.names, spark_file.name
    assert [f.type for f in spark_schema] == [f.type for f in duck_schema], spark_file.name
    assert spark_rows == duck_rows, spark_file.name


def test_sample_gives_the_same_files_columns_and_rows(sample_runs: dict[str, Path]) -> None:
    duck, spark = sample_runs["duckdb"], sample_runs["spark"]
    assert sorted(os.listdir(duck)) == sorted(os.listdir(spark))
    for name, order in (
        ("flows.parquet", ["source_file", "line_number"]),
        ("malformed.parquet", ["source_file", "line_number"]),
        ("rule_usage.parquet", ["rule_id"]),
    ):
        _same_file(spark / name, duck / name, order)
    summary_duck = json.loads((duck / "summary.json").read_text())
    summary_spark = json.loads((spark / "summary.json").read_text())
    assert summary_spark == summary_duck
    assert summary_spark["records_by_verdict"] == {
        "allowed": 3410,
        "return": 3252,
        "unexplained": 666,
        "no_security_group": 544,
        "no_rule": 484,
        "skipped": 217,
        "blocked_elsewhere": 38,
    }
    assert summary_spark["files"]["malformed_lines"] == 5


@pytest.mark.parametrize(
    "report",
    [
        ["report", "rules", "--format", "csv"],
        ["report", "rejects", "--format", "json"],
        ["report", "unexplained", "--format", "csv"],
        ["report", "tighten", "--format", "csv"],
        ["whatif", "--remove", "sgr-0429b1ff859771226"],
        ["explain", "198.51.100.68", "198.51.100.108", "8443", "--format", "json"],
        ["report", "graph", "--format", "mermaid"],
        ["report", "html", "--out", "-"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_reports_work_on_the_spark_database(
    sample_runs: dict[str, Path], report: list[str]
) -> None:
    runner = CliRunner()
    outputs = {}
    for engine, folder in sample_runs.items():
        db = folder.parent / f"{engine}.duckdb"
        result = runner.invoke(cli, [*report, "--db", str(db)])
        assert result.exit_code == 0, result.output
        outputs[engine] = result.output
    if report[:2] == ["report", "html"]:  # the page says when it was generated
        for engine in outputs:
            outputs[engine] = "\n".join(
                line for line in outputs[engine].splitlines() if "generated" not in line.lower()
            )
    assert outputs["spark"] == outputs["duckdb"]


def test_in_memory_the_records_stay_in_spark_and_spark_writes_out(
    spark: Any, sample_runs: dict[str, Path], tmp_path: Path
) -> None:
    """--db :memory: (the default of `python -m flowsg.spark`): no record is handed to the driver;
    the summary is made on Spark and Spark writes --out, the same files as the DuckDB engine's."""
    from flowsg.spark import run

    con = flowsg.connect(":memory:")
    out = tmp_path / "out"
    result = run.analyze(con, [SAMPLE], SNAPSHOT, spark=spark, out=str(out), keep=False)
    tables = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    con.close()
    assert "rules" in tables and not tables & {"flow_records", "flow_store", "rule_usage", "files"}
    assert "handoff" not in result.spark_seconds and "out" in result.spark_seconds
    duck = flowsg.connect(str(sample_runs["duckdb"].parent / "duckdb.duckdb"))
    expected = flowsg.analyze_summary(duck)
    duck.close()
    assert result.summary == expected
    assert (out / "flows.parquet").is_dir()  # Spark's dataset folder
    for name, order in (
        ("flows.parquet", ["source_file", "line_number"]),
        ("rule_usage.parquet", ["rule_id"]),
    ):
        _same_file(out / name, sample_runs["duckdb"] / name, order)
    # an earlier Spark --out is replaced as a whole, as an earlier DuckDB --out is
    argv = ["analyze", str(SAMPLE), "--snapshot", str(SNAPSHOT), "--db", ":memory:"]
    argv += ["--out", str(out), "--engine", "spark", "--spark-master", "local[2]"]
    again = CliRunner().invoke(cli, argv)
    assert again.exit_code == 0, again.output
    assert "Analyzed 8,611 record(s) from 4 file(s) against 31 rule(s)" in again.output
    assert sorted(os.listdir(out)) == sorted(os.listdir(sample_runs["duckdb"]))
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no hidden folder left beside


def test_uris_go_through_hadoop_as_s3a_would(
    spark: Any, sample_runs: dict[str, Path], tmp_path: Path
) -> None:
    """Logs, --snapshot and --out as file:// URIs take the code path of s3a:// (Hadoop's listing,
    the snapshot copied down, Spark writing --out in place, summary.json through Hadoop), which
    this offline machine cannot reach S3 with: the same results as DuckDB's on local paths."""
    out = tmp_path / "out"
    argv = ["analyze", SAMPLE.as_uri() + "/", "--snapshot", SNAPSHOT.as_uri(), "--db", ":memory:"]
    argv += ["--out", out.as_uri(), "--engine", "spark", "--spark-master", "local[2]"]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 0, result.output
    assert "Analyzed 8,611 record(s) from 4 file(s) against 31 rule(s)" in result.output
    duck = sample_runs["duckdb"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary == json.loads((duck / "summary.json").read_text())
    _same_file(out / "rule_usage.parquet", duck / "rule_usage.parquet", ["rule_id"])
    order = ["interface_id", "start", "srcaddr", "dstaddr", "srcport", "dstport", "line_number"]
    spark_rows = _rows(out / "flows.parquet", order)[1]
    duck_rows = _rows(duck / "flows.parquet", order)[1]
    # files under a URI are named as Hadoop names them (file:/PATH, s3a://BUCKET/KEY)
    assert {r["source_file"] for r in spark_rows} == {"file:" + r["source_file"] for r in duck_rows}
    strip = [{k: v for k, v in r.items() if k != "source_file"} for r in spark_rows]
    assert strip == [{k: v for k, v in r.items() if k != "source_file"} for r in duck_rows]


def test_spark_on_a_cluster_refuses_a_local_out(tmp_path: Path) -> None:
    """Executors on other machines cannot write the driver's folder: exit 2 before any work."""
    from types import SimpleNamespace

    from flowsg.errors import UsageError
    from flowsg.spark.output import write_out

    cluster: Any = SimpleNamespace(sparkContext=SimpleNamespace(master="yarn"))
    with pytest.raises(UsageError, match="s3a://BUCKET/flowsg-out/"):
        write_out(cluster, str(tmp_path / "out"), {})
    assert not (tmp_path / "out").exists()


# --- the same reading of bad, gzip and Parquet inputs ----------------------------------------

HEADER = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes"
    " start end action log-status"
)
GOOD = (
    "2 111122223333 eni-0a1b2c3d 10.0.0.5 10.0.0.9 443 50000 6 10 840 1700000000 1700000060"
    " ACCEPT OK"
)


def _bad_inputs(folder: Path) -> None:
    """Files holding every kind of line the ingestion quarantines, and some that it reads."""
    lines = [
        HEADER,
        GOOD,
        "2 111122223333 eni-0a1b2c3d 10.0.0.5 10.0.0.9 443 50000 6 10",  # too few fields
        GOOD.replace(" 443 ", " https "),  # not an integer
        GOOD.replace(" 443 ", " 70000 "),  # out of range
        GOOD.replace(" 443 ", " -1 "),  # digits after a minus sign
        GOOD.replace(" 443 ", " 0443 "),  # leading zeros are digits
        GOOD.replace("10.0.0.5", "10.0.0.256"),  # not an address
        GOOD.replace("10.0.0.5", "010.0.0.5"),  # leading zero in IPv4
        GOOD.replace("10.0.0.5", "2001:db8::5").replace("10.0.0.9", "::ffff:192.0.2.1"),
        GOOD.replace("10.0.0.5", "fe80::1%eth0"),
        GOOD.replace("ACCEPT", "ALLOW"),  # unknown action
        GOOD.replace(" OK", " MAYBE"),  # unknown log-status
        GOOD.replace("1700000000", "1700000000123"),  # milliseconds
        GOOD.replace("1700000000", "99999999999999999999"),  # too many digits
        "",  # empty line
        "   ",
        GOOD.replace(" 443 ", "  443  "),  # runs of spaces
        GOOD + "\r",  # CRLF
        '{"message": "' + GOOD + '"}',  # CloudWatch Logs subscription
        '{"msg": "x"}',  # JSON without message
        "{not json",
        "2026-11-02T11:00:03.000Z " + GOOD,  # CloudWatch export's time token
        "2 111122223333 eni-0a1b2c3d - - - - - - - 1700000000 1700000060 - NODATA",
        "x" * 70_000,  # too long
        "version account-id interface-id srcaddr dstaddr action log-status nonsense-field",
        "2 111122223333 eni-0a1b2c3d 10.0.0.5 10.0.0.9 REJECT OK zzz",
        "version account-id version",  # a field twice: ignored
        "2 111122223333 eni-0a1b2c3d 10.0.0.5 10.0.0.9 REJECT OK zzz",
        HEADER.replace("version ", "") + " version",  # reordered
        GOOD.split(" ", 1)[1] + " 2",
        GOOD.replace("eni-0a1b2c3d", "eni-\x00bad"),  # NUL
    ]
    (folder / "text.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "utf8.log").write_bytes(
        b"\xef\xbb\xbf" + GOOD.encode() + b"\n" + GOOD.replace("eni", "en\xff").encode("latin-1")
    )
    (folder / "headerless.log").write_text(GOOD + "\n" + GOOD.replace("443", "22") + "\n")
    (folder / "empty.log").write_bytes(b"")
    with gzip.open(folder / "part.log.gz", "wt") as fh:
        fh.write(HEADER + "\n" + GOOD + "\n" + GOOD.replace("6 10", "6 x") + "\n")
    with gzip.open(folder / "tgw.log.gz", "wt") as fh:
        fh.write("version resource-type tgw-id\n6 TransitGateway tgw-1\n")
    parquet = pa.table(
        {
            "version": pa.array([2, 2, 2], pa.int32()),
            "interface_id": ["eni-0a1b2c3d", "eni-0a1b2c3d", "-"],
            "srcaddr": ["10.0.0.5", "not-an-ip", "10.0.0.6"],
            "dstaddr": ["10.0.0.9", "10.0.0.9", ""],
            "srcport": pa.array([443, 70000, None], pa.int64()),
            "dstport": pa.array([50000, 1, 2], pa.int32()),
            "protocol": pa.array([6, 6, 6], pa.int8()),
            "packets": pa.array([1, 2, 3], pa.uint64()),
            "start": pa.array([1700000000, 1700000000, 1700000000], pa.int64()),
            "action": ["ACCEPT", "REJECT", "DROP"],
            "log_status": ["OK", "OK", "OK"],
            "extra_column": ["a", "b", "c"],
        }
    )
    pq.write_table(parquet, folder / "flows.log.parquet")


def _rows_of(con: duckdb.DuckDBPyConnection, query: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = con.sql(query).to_arrow_table().to_pylist()
    return rows


def _duckdb_load(folder: Path) -> dict[str, list[dict[str, Any]]]:
    con = flowsg.connect(":memory:")
    try:
        flowsg.load(con, [str(folder)])
        return {
            "records": _rows_of(
                con, "SELECT * EXCLUDE (key_id) FROM flow_rows ORDER BY source_file, line_number"
            ),
            "malformed": _rows_of(con, "SELECT * FROM malformed ORDER BY ALL"),
            "files": _rows_of(con, "SELECT * FROM files ORDER BY source_file"),
        }
    finally:
        con.close()


def _spark_load(spark: Any, folder: Path | str) -> dict[str, list[dict[str, Any]]]:
    from flowsg.spark.attribute import run

    loaded = ingest.load(spark, [str(folder)])
    run(spark, "ingest/flow_rows_view")
    con = duckdb.connect()
    con.register("records", spark.table("flow_rows").drop("key_id").toArrow())
    con.register("malformed", spark.table("malformed").toArrow())
    files = [
        {
            "source_file": f.source_file,
            "file_type": f.file_type,
            "lines_read": f.lines_read,
            "headers": f.headers,
            "records": f.records,
            "malformed": f.malformed,
            "formats": " | ".join(dict.fromkeys(f.formats)) or None,
            "error": f.error,
        }
        for f in sorted(loaded.files, key=lambda f: f.source_file)
    ]
    return {
        "records": _rows_of(con, "SELECT * FROM records ORDER BY source_file, line_number"),
        "malformed": _rows_of(con, "SELECT * FROM malformed ORDER BY ALL"),
        "files": files,
    }


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bad")
    _bad_inputs(folder)
    return folder


@pytest.fixture(scope="module")
def both_loads(spark: Any, bad_inputs: Path) -> dict[str, dict[str, list[dict[str, Any]]]]:
    return {"duckdb": _duckdb_load(bad_inputs), "spark": _spark_load(spark, bad_inputs)}


def test_bad_lines_are_quarantined_with_the_same_file_line_and_reason(
    both_loads: dict[str, dict[str, list[dict[str, Any]]]],
) -> None:
    duck, spark = both_loads["duckdb"]["malformed"], both_loads["spark"]["malformed"]
    assert len(duck) >= 20  # the inputs do exercise the quarantine
    assert spark == duck


def test_records_have_the_same_columns_and_values(
    both_loads: dict[str, dict[str, list[dict[str, Any]]]],
) -> None:
    duck, spark = both_loads["duckdb"]["records"], both_loads["spark"]["records"]
    assert len(duck) >= 10
    assert list(spark[0]) == list(duck[0])
    assert spark == duck


def test_files_are_accounted_for_alike(
    both_loads: dict[str, dict[str, list[dict[str, Any]]]],
) -> None:
    assert both_loads["spark"]["files"] == both_loads["duckdb"]["files"]


def test_parquet_under_a_uri_is_read_by_its_own_columns(
    spark: Any, bad_inputs: Path, tmp_path: Path
) -> None:
    """Parquet files under a URI (as from S3): each file's columns come from its footer, read
    through Hadoop, so files with fewer columns than flowsg knows, or unknown ones, load as the
    same files do from a local path; a file that is not Parquet is unreadable, with the reason."""
    import shutil

    shutil.copy(bad_inputs / "flows.log.parquet", tmp_path / "flows.log.parquet")
    narrow = pa.table({"interface_id": ["eni-1"], "srcaddr": ["192.0.2.1"], "action": ["ACCEPT"]})
    pq.write_table(narrow, tmp_path / "narrow.parquet")
    local = _spark_load(spark, tmp_path)
    (tmp_path / "broken.parquet").write_bytes(b"this is not parquet at all")
    (tmp_path / "short.parquet").write_bytes(b"PAR1")
    remote = _spark_load(spark, tmp_path.as_uri())

    def local_names(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**r, "source_file": "file:" + r["source_file"]} for r in rows]

    assert len(local["records"]) == 2 and len(local["malformed"]) >= 3  # two bad rows, a note
    assert remote["records"] == local_names(local["records"])
    broken = {"broken.parquet", "short.parquet"}
    kept = [r for r in remote["malformed"] if Path(r["source_file"]).name not in broken]
    assert kept == local_names(local["malformed"])
    assert sorted(
        Path(r["source_file"]).name
        for r in remote["malformed"]
        if r["line_number"] is None and r["reason"].startswith("unreadable: not a readable Parquet")
    ) == sorted(broken)
    files = {Path(f["source_file"]).name: f for f in remote["files"]}
    assert [files[n] for n in ("flows.log.parquet", "narrow.parquet")] == local_names(
        local["files"]
    )
    assert files["narrow.parquet"]["formats"] == "(parquet) interface-id srcaddr action"
    assert "no Parquet footer" in (files["broken.parquet"]["error"] or "")
    assert "too short" in (files["short.parquet"]["error"] or "")


def test_gzip_not_named_gz_is_reported_unreadable(spark: Any, tmp_path: Path) -> None:
    """Spark decompresses by name: a gzip file named otherwise is a file problem, not garbage."""
    (tmp_path / "flows.log").write_bytes(gzip.compress((GOOD + "\n").encode()))
    with gzip.open(tmp_path / "ok.log.gz", "wt") as fh:
        fh.write(GOOD + "\n")
    (tmp_path / "broken.log.gz").write_bytes(b"this is not gzip")
    (tmp_path / "truncated.log.gz").write_bytes(gzip.compress((GOOD + "\n").encode() * 50)[:40])
    loaded = ingest.load(spark, [str(tmp_path)])
    errors = {Path(f.source_file).name: f.error for f in loaded.files}
    assert errors["ok.log.gz"] is None
    assert "does not end in .gz" in (errors["flows.log"] or "")
    assert "does not hold gzip data" in (errors["broken.log.gz"] or "")
    assert "corrupt gzip" in (errors["truncated.log.gz"] or "")
    rows = spark.table("malformed").collect()
    assert {Path(r.source_file).name for r in rows if r.line_number is None} == {
        "flows.log",
        "broken.log.gz",
        "truncated.log.gz",
    }
    assert spark.table("flow_records").count() == 1


def test_without_pyspark_analyze_spark_exits_2_with_the_install_hint(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['pyspark'] = None; "
        "from flowsg.cli import entry_point; sys.argv[0] = 'flowsg'; entry_point()"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "analyze",
            str(SAMPLE),
            "--snapshot",
            str(SNAPSHOT),
            "--engine",
            "spark",
            "--db",
            str(tmp_path / "x.duckdb"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "pip install 'flowsg[spark]'" in lines[0]
    assert not (tmp_path / "x.duckdb").exists()


def test_spark_submit_script_is_a_driver_that_runs_flowsg(tmp_path: Path) -> None:
    runner = CliRunner()
    printed = runner.invoke(cli, ["spark-submit-script"])
    assert printed.exit_code == 0
    compile(printed.output, "flowsg_driver.py", "exec")  # a Python program
    assert "from flowsg.spark.__main__ import main" in printed.output
    written = runner.invoke(cli, ["spark-submit-script", "--out", str(tmp_path / "driver.py")])
    assert written.exit_code == 0
    assert (tmp_path / "driver.py").read_text() == printed.output
    # the script, run as a program: flowsg's command line (here its help)
    result = subprocess.run(
        [sys.executable, str(tmp_path / "driver.py"), "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "analyze" in result.stdout


def test_driver_arguments_default_to_spark_and_read_glue_parameters() -> None:
    from flowsg.spark.__main__ import arguments

    assert arguments(["analyze", "s3a://b/AWSLogs/", "--snapshot", "s"]) == [
        "analyze",
        "--engine",
        "spark",
        "--db",
        ":memory:",
        "s3a://b/AWSLogs/",
        "--snapshot",
        "s",
    ]
    assert arguments(["analyze", "x", "--engine", "duckdb", "--db=f.duckdb"]) == [
        "analyze",
        "x",
        "--engine",
        "duckdb",
        "--db=f.duckdb",
    ]
    assert arguments(["report", "rules"]) == ["report", "rules"]
    glue = ["--JOB_ID", "j_1", "--flowsg-args", "analyze 's3a://b/my logs/' --out s3a://b/o/"]
    assert arguments(glue) == [
        "analyze",
        "--engine",
        "spark",
        "--db",
        ":memory:",
        "s3a://b/my logs/",
        "--out",
        "s3a://b/o/",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--spark-master", "local[2]"], "needs --engine spark"),
        (["--engine", "spark", "--profile", "x"], "is for --engine duckdb"),
        (["--engine", "spark", "cwl://group"], "not CloudWatch Logs"),
    ],
)
def test_spark_options_that_do_not_fit_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    paths = [] if any(a.startswith("cwl://") for a in args) else [str(SAMPLE)]
    argv = ["analyze", *paths, *[a for a in args], "--snapshot", str(SNAPSHOT)]
    argv += ["--db", str(tmp_path / "x.duckdb")]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 2
    assert message in result.output
    assert not (tmp_path / "x.duckdb").exists()
