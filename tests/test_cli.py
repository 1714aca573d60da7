"""The `flowsg load` command through click's CliRunner: the summary on stdout, and one line on
stderr with the documented exit code for every error path."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

from flowsg.cli import EXIT_INTERNAL, cli

HEADER = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes"
    " start end action log-status"
)
RECORDS = [
    "2 111122223333 eni-0a1b2c3d4e5f60718 203.0.113.10 198.51.100.20 49152 443 6 10 840"
    " 1762074000 1762074060 ACCEPT OK",
    "2 111122223333 eni-0a1b2c3d4e5f60718 203.0.113.200 198.51.100.20 50000 23 6 1 40"
    " 1762074010 1762074070 REJECT OK",
    "2 111122223333 eni-0a1b2c3d4e5f60719 - - - - - - - 1762074000 1762074060 - NODATA",
]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def write_log(path: Path, lines: list[str], *, compress: bool = False) -> Path:
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def test_load_prints_the_summary(runner: CliRunner, tmp_path: Path) -> None:
    log = write_log(tmp_path / "a.log.gz", [HEADER, *RECORDS, "2 broken"], compress=True)
    db = tmp_path / "f.duckdb"
    result = runner.invoke(cli, ["load", str(log), "--db", str(db)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"Loaded 1 file(s) into {db}" in out
    assert "files       1 read (1 gzip), 0 unreadable, 0 skipped by name" in out
    assert "lines       5 read: 1 header(s), 3 record(s), 1 malformed" in out
    assert "records     OK 2 (ACCEPT 1, REJECT 1), NODATA 1" in out
    assert "time range  2025-11-02 09:00:00 to 2025-11-02 09:01:10 UTC" in out
    assert "interfaces  2" in out
    assert "1  wrong number of fields: 2, expected 14" in out
    assert result.stderr == ""
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM flows").fetchall() == [(3,)]


def test_load_replaces_unless_append(runner: CliRunner, tmp_path: Path) -> None:
    log = write_log(tmp_path / "a.log", [HEADER, *RECORDS])
    db = str(tmp_path / "f.duckdb")
    for args, expected in (([], 3), ([], 3), (["--append"], 6)):
        result = runner.invoke(cli, ["load", str(log), "--db", db, *args])
        assert result.exit_code == 0, result.output
        with duckdb.connect(db, read_only=True) as con:
            assert con.execute("SELECT count(*) FROM flows").fetchall() == [(expected,)]


def test_log_format_reads_headerless_files(runner: CliRunner, tmp_path: Path) -> None:
    log = write_log(tmp_path / "cw.log", ["eni-0a1b2c3d4e5f60718 ACCEPT 203.0.113.10"])
    fmt = "${interface-id} ${action} ${srcaddr}"
    result = runner.invoke(cli, ["load", str(log), "--db", ":memory:", "--log-format", fmt])
    assert result.exit_code == 0, result.output
    assert "1 record(s), 0 malformed" in result.stdout


def error_line(result: object) -> str:
    stderr = result.stderr  # type: ignore[attr-defined]
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("flowsg: ")
    assert "Traceback" not in stderr
    return str(lines[0])


def test_no_such_path_exits_3_and_creates_no_database(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "f.duckdb"
    result = runner.invoke(cli, ["load", str(tmp_path / "missing"), "--db", str(db)])
    assert result.exit_code == 3
    assert "no such file or directory" in error_line(result)
    assert result.stdout == ""
    assert not db.exists()


def test_directory_without_logs_exits_3(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("not a log")
    result = runner.invoke(cli, ["load", str(tmp_path), "--db", ":memory:"])
    assert result.exit_code == 3
    assert "no flow-log files found" in error_line(result)


def test_nothing_readable_exits_3(runner: CliRunner, tmp_path: Path) -> None:
    corrupt = tmp_path / "x.log.gz"
    corrupt.write_bytes(b"\x1f\x8b\x08\x00garbage that is not deflate")
    db = str(tmp_path / "f.duckdb")
    result = runner.invoke(cli, ["load", str(corrupt), "--db", db])
    assert result.exit_code == 3
    assert "no readable flow-log file" in error_line(result)
    # The database still says why: one malformed row for the file, without a line number.
    with duckdb.connect(db, read_only=True) as con:
        rows = con.execute("SELECT line_number, reason FROM malformed").fetchall()
    assert len(rows) == 1
    assert rows[0][0] is None
    assert rows[0][1].startswith("unreadable: corrupt gzip data after line 0")


def test_unreadable_file_only_exits_3(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "loop.log"
    target.symlink_to(target)  # a symlink to itself cannot be opened
    result = runner.invoke(cli, ["load", str(target), "--db", ":memory:"])
    assert result.exit_code == 3
    assert "no readable flow-log file" in error_line(result)


def test_database_that_cannot_be_opened_exits_5(runner: CliRunner, tmp_path: Path) -> None:
    log = write_log(tmp_path / "a.log", [HEADER, *RECORDS])
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("this is not a DuckDB database\n" * 100)
    result = runner.invoke(cli, ["load", str(log), "--db", str(not_a_db)])
    assert result.exit_code == 5
    assert "cannot open database" in error_line(result)
    result = runner.invoke(cli, ["load", str(log), "--db", str(tmp_path)])
    assert result.exit_code == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["load"], "Missing argument"),
        (["load", "x", "--bogus"], "No such option"),
        (["nosuchcommand"], "No such command"),
        (["load", "x", "--log-format", "${version} ${nosuchfield}"], "unknown field"),
        (["load", "x", "--log-format", "not ${closed"], "cannot read the log format"),
    ],
)
def test_usage_errors_exit_2(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert message in error_line(result)


def test_internal_errors_are_one_line_unless_debug(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = write_log(tmp_path / "a.log", [HEADER, *RECORDS])

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("flowsg.cli.load_summary", explode)
    result = runner.invoke(cli, ["load", str(log), "--db", ":memory:"])
    assert result.exit_code == EXIT_INTERNAL
    assert "internal error: RuntimeError: boom" in error_line(result)
    result = runner.invoke(cli, ["--debug", "load", str(log), "--db", ":memory:"])
    assert result.exit_code == EXIT_INTERNAL
    assert "Traceback" in result.stderr


def test_version_and_help(runner: CliRunner) -> None:
    assert runner.invoke(cli, ["--version"]).exit_code == 0
    result = runner.invoke(cli, ["load", "--help"])
    assert result.exit_code == 0
    assert "--log-format" in result.stdout


ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs"


def test_analyze_prints_the_summary_and_writes_outputs(runner: CliRunner, tmp_path: Path) -> None:
    import json

    import pyarrow.parquet as pq

    out = tmp_path / "out"
    args = ["analyze", str(SAMPLE), "--snapshot", str(SAMPLE / "snapshot"), "--db", ":memory:"]
    result = runner.invoke(cli, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    text = result.stdout
    assert "Analyzed 8,611 record(s) from 4 file(s) against 31 rule(s)" in text
    assert "  allowed                  3,410   39.6%" in text
    assert "Rules with no traffic: 9 of 31" in text
    assert "sgr-01db9341fa3942f70  app-tier             ingress tcp 8444" in text
    assert "(unresolvable)" in text
    assert "no_rule           eni-09c5db217897934a6  198.51.100.108:8443 tcp" in text
    assert sorted(p.name for p in out.iterdir()) == [
        "flows.parquet",
        "malformed.parquet",
        "rule_usage.parquet",
        "summary.json",
    ]
    flows = pq.read_table(out / "flows.parquet")
    assert flows.column_names == [
        "source_file", "line_number", "interface_id", "srcaddr", "dstaddr", "srcport",
        "dstport", "protocol", "packets", "bytes", "start", "end", "action", "log_status",
        "tcp_flags", "direction", "verdict", "matched_rule_ids", "reason",
    ]  # fmt: skip
    assert flows.num_rows == 8611
    assert str(flows.schema.field("matched_rule_ids").type) == "list<element: string>"
    usage = pq.read_table(out / "rule_usage.parquet")
    assert usage.column_names == [
        "rule_id", "group_id", "group_name", "direction", "protocol", "from_port", "to_port",
        "peer_kind", "peer", "description", "resolvable", "hits", "sole_hits", "return_hits",
        "packets", "bytes", "first_seen", "last_seen",
    ]  # fmt: skip
    assert usage.num_rows == 31
    assert pq.read_table(out / "malformed.parquet").column_names == [
        "source_file",
        "line_number",
        "reason",
        "raw",
    ]
    summary = json.loads((out / "summary.json").read_text())
    assert sorted(summary) == [
        "files",
        "flowsg_version",
        "interfaces",
        "records",
        "records_by_reason",
        "records_by_verdict",
        "rules",
        "rules_without_traffic",
        "time_range",
    ]
    assert summary["records_by_verdict"]["blocked_elsewhere"] == 38
    assert summary["files"] == {
        "read": 4,
        "unreadable": 0,
        "lines_read": 8618,
        "headers": 2,
        "malformed_lines": 5,
    }
    assert summary["time_range"] == {
        "first_start": "2026-11-02T08:00:00+00:00",
        "last_end": "2026-11-02T11:30:00+00:00",
    }
    # a second run replaces the files and leaves no temporary file behind
    assert runner.invoke(cli, [*args, "--out", str(out)]).exit_code == 0
    assert len(list(out.iterdir())) == 4


def test_analyze_keeps_every_table_in_the_database(runner: CliRunner, tmp_path: Path) -> None:
    db = str(tmp_path / "f.duckdb")
    args = ["analyze", str(SAMPLE), "--snapshot", str(SAMPLE / "snapshot"), "--db", db]
    assert runner.invoke(cli, args).exit_code == 0
    with duckdb.connect(db, read_only=True) as con:
        tables = {
            r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
        columns = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'flows'"
            ).fetchall()
        }
    assert {"flows", "malformed", "files", "rules", "interfaces", "addresses"} <= tables
    # flows is a view: the records once (flow_records), the verdicts once per key (flow_verdicts)
    assert {"flow_records", "flow_verdicts"} <= tables
    assert {"rule_usage", "rule_peers", "nacls", "security_groups"} <= tables
    assert {"direction", "verdict", "matched_rule_ids", "reason"} <= columns


def test_analyze_with_an_invalid_snapshot_exits_4(runner: CliRunner, tmp_path: Path) -> None:
    snapshot = tmp_path / "snap"
    snapshot.mkdir()
    (snapshot / "describe-network-interfaces.json").write_text('{"NetworkInterfaces": []}')
    log = write_log(tmp_path / "a.log", [HEADER, *RECORDS])
    result = runner.invoke(
        cli, ["analyze", str(log), "--snapshot", str(snapshot), "--db", ":memory:"]
    )
    assert result.exit_code == 4
    assert "security group" in error_line(result)


def test_analyze_without_snapshot_exits_2_and_with_a_missing_one_3(
    runner: CliRunner, tmp_path: Path
) -> None:
    log = write_log(tmp_path / "a.log", [HEADER, *RECORDS])
    result = runner.invoke(cli, ["analyze", str(log), "--db", ":memory:"])
    assert result.exit_code == 2
    assert "--snapshot" in error_line(result)
    db = tmp_path / "f.duckdb"
    missing = str(tmp_path / "nowhere")
    result = runner.invoke(cli, ["analyze", str(log), "--snapshot", missing, "--db", str(db)])
    assert result.exit_code == 3
    assert "no such snapshot" in error_line(result)
    assert not db.exists()


@pytest.fixture(scope="module")
def analyzed_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("db") / "sample.duckdb")
    result = CliRunner().invoke(
        cli, ["analyze", str(SAMPLE), "--snapshot", str(SAMPLE / "snapshot"), "--db", db]
    )
    assert result.exit_code == 0, result.output
    return db


def test_report_rejects_in_every_format(runner: CliRunner, analyzed_db: str) -> None:
    import json

    result = runner.invoke(cli, ["report", "rejects", "--db", analyzed_db])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    text = result.stdout
    assert text.splitlines()[0].split() == [
        "interface_id",
        "direction",
        "service",
        "remote_address",
        "verdict",
        "records",
    ]
    assert "149  allow tcp 8443 ingress on sg-09b9e5cf8b4aa01cc from sg-071e4a6ac26585745" in text
    assert "Internet scan noise (420 records)" in text
    assert max(len(line) for line in text.splitlines()) <= 120
    document = json.loads(runner.invoke(cli, ["report", "rejects", "--db", analyzed_db,
                                              "--format", "json"]).stdout)  # fmt: skip
    assert sorted(document) == ["rejects", "scan_noise"]
    assert {r["verdict"] for r in document["rejects"]} == {"no_rule", "blocked_elsewhere"}
    csv_text = runner.invoke(
        cli, ["report", "rejects", "--db", analyzed_db, "--format", "csv"]
    ).stdout
    assert csv_text.splitlines()[0].startswith("interface_id,group_ids,group_names,direction")
    markdown = runner.invoke(
        cli, ["report", "rejects", "--db", analyzed_db, "--format", "markdown"]
    ).stdout
    assert markdown.startswith("| interface_id | direction | service |")


def test_report_filters_are_data(runner: CliRunner, analyzed_db: str) -> None:
    args = ["report", "rejects", "--db", analyzed_db]
    narrow = runner.invoke(
        cli, [*args, "--interface", "eni-06a5f9fee2bb5a547", "--since", "2026-11-02T11:00"]
    )
    assert narrow.exit_code == 0
    assert "192.0.2.66" in narrow.stdout
    assert "eni-0407936e8cb8deeec" not in narrow.stdout
    hostile = runner.invoke(cli, [*args, "--group", "sg-x' OR 1=1; DROP TABLE flows; --"])
    assert hostile.exit_code == 2
    assert "no security group sg-x' OR 1=1; DROP TABLE flows; -- in the snapshot" in (
        error_line(hostile)
    )
    assert runner.invoke(cli, args).stdout.count("no_rule") > 10  # flows is intact
    bad_time = runner.invoke(cli, [*args, "--since", "yesterday"])
    assert bad_time.exit_code == 2
    assert "is not a time" in error_line(bad_time)


def test_report_unexplained(runner: CliRunner, analyzed_db: str) -> None:
    result = runner.invoke(cli, ["report", "unexplained", "--db", analyzed_db])
    assert result.exit_code == 0, result.output
    assert "stopped at 09:48" in result.stdout
    assert result.stdout.count("eni-0") == 6


def test_reports_need_an_analysis(runner: CliRunner, tmp_path: Path) -> None:
    missing = runner.invoke(cli, ["report", "rejects", "--db", str(tmp_path / "none.duckdb")])
    assert missing.exit_code == 5
    assert "no database at" in error_line(missing)
    assert not (tmp_path / "none.duckdb").exists()
    log = write_log(tmp_path / "a.log", [HEADER, *RECORDS])
    db = str(tmp_path / "loaded.duckdb")
    assert runner.invoke(cli, ["load", str(log), "--db", db]).exit_code == 0
    unanalyzed = runner.invoke(cli, ["report", "unexplained", "--db", db])
    assert unanalyzed.exit_code == 5
    assert "holds no analysis" in error_line(unanalyzed)


def test_explain_the_incident(runner: CliRunner, analyzed_db: str) -> None:
    import json

    args = ["explain", "198.51.100.68", "198.51.100.108", "8443", "--db", analyzed_db]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "Conclusion: blocked at destination ingress" in result.stdout
    assert "Fix: allow tcp 8443 ingress on sg-09b9e5cf8b4aa01cc from sg-071e4a6ac26585745" in (
        result.stdout
    )
    document = json.loads(runner.invoke(cli, [*args, "--format", "json"]).stdout)
    assert document["result"] == "blocked"
    assert document["blocked_at"] == "destination ingress"
    assert [s["step"] for s in document["steps"]] == [
        "source egress",
        "source ACL outbound",
        "destination ACL inbound",
        "destination ingress",
    ]
    bad = runner.invoke(
        cli, ["explain", "not-an-ip", "198.51.100.108", "8443", "--db", analyzed_db]
    )
    assert bad.exit_code == 2
    error_line(bad)


def test_report_rules_fits_a_terminal(runner: CliRunner, analyzed_db: str) -> None:
    import json

    result = runner.invoke(cli, ["report", "rules", "--db", analyzed_db])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["group", "rule_id", "dir", "traffic", "peer", "hits", "sole",
                                "status"]  # fmt: skip
    assert max(len(line) for line in lines) <= 120
    assert "sgr-0429b1ff859771226 (redundant):" in result.stdout
    assert "covered by sgr-082644bce20111928" in result.stdout
    assert "Evidence per security group (window 2026-11-02 08:00 to 2026-11-02 11:30)" in (
        result.stdout
    )
    document = json.loads(
        runner.invoke(cli, ["report", "rules", "--db", analyzed_db, "--format", "json"]).stdout
    )
    statuses = {r["rule_id"]: r["status"] for r in document["rules"]}
    assert statuses["sgr-02e984bd527c6d02a"] == "unresolvable"
    assert statuses["sgr-0429b1ff859771226"] == "redundant"
    assert sorted(document) == ["evidence", "rules"]


def test_report_tighten_and_egress(runner: CliRunner, analyzed_db: str) -> None:
    result = runner.invoke(cli, ["report", "tighten", "--db", analyzed_db])
    assert result.exit_code == 0, result.output
    assert "only tcp 8443 used" in result.stdout
    egress = runner.invoke(cli, ["report", "egress", "sgr-0533865da3611804d", "--db", analyzed_db])
    assert egress.exit_code == 0, egress.output
    assert "Narrower egress: tcp 8443 to sg-09b9e5cf8b4aa01cc (app-tier)" in egress.stdout


def test_whatif(runner: CliRunner, analyzed_db: str) -> None:
    safe = runner.invoke(cli, ["whatif", "--remove", "sgr-0429b1ff859771226", "--db", analyzed_db])
    assert safe.exit_code == 0, safe.output
    assert safe.stdout == "safe: no observed flow depends on these rules\n"
    both = runner.invoke(
        cli,
        ["whatif", "--remove", "sgr-0429b1ff859771226,sgr-082644bce20111928", "--db", analyzed_db,
         "--format", "csv"],
    )  # fmt: skip
    assert both.exit_code == 0, both.output
    assert len(both.stdout.splitlines()) == 1 + 5  # header and the five endpoint flows
    unknown = runner.invoke(cli, ["whatif", "--remove", "sgr-nope", "--db", analyzed_db])
    assert unknown.exit_code == 2
    error_line(unknown)


def test_threads_and_memory_limit(runner: CliRunner, tmp_path: Path) -> None:
    log = write_log(tmp_path / "a.log", [HEADER, *RECORDS])
    args = ["load", str(log), "--db", ":memory:"]
    ok = runner.invoke(cli, [*args, "--threads", "1", "--memory-limit", "512MB"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(cli, [*args, "--memory-limit", "lots"])
    assert bad.exit_code == 2
    assert "cannot use these settings" in error_line(bad)
    assert runner.invoke(cli, [*args, "--threads", "0"]).exit_code == 2
    import flowsg

    con = flowsg.connect(":memory:", threads=1, memory_limit="1GB")
    assert con.execute("SELECT current_setting('threads')").fetchall() == [(1,)]


def test_duckdb_draws_no_progress_bar_on_stdout(tmp_path: Path) -> None:
    """DuckDB's own progress bar, drawn on stdout for any statement that runs longer than 2 s
    (attribution's at 100M records), would mix into the data stdout carries: flowsg's connections
    have it off, and flowsg draws its progress on stderr. Here a statement that DuckDB would draw
    a bar for after 0 ms (`SET progress_bar_time` turns the bar on again; printing it stays off)."""
    import subprocess
    import sys

    script = (
        "import flowsg\n"
        "con = flowsg.connect(':memory:')\n"
        "con.execute('SET progress_bar_time = 0')\n"
        "con.execute('SELECT count(DISTINCT i % 1000003) FROM range(20000000) t(i)').fetchall()\n"
        "print('data')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, check=True, cwd=tmp_path, timeout=120
    )
    assert done.stdout == b"data\n"


@pytest.mark.parametrize(
    "command",
    [
        ["report", "rules"],
        ["report", "tighten"],
        ["report", "rejects"],
        ["report", "unexplained"],
        ["report", "egress", "sgr-004e74d9fc0115aee"],
        ["report", "html", "--out", "-"],
        ["report", "graph"],
        ["explain", "203.0.113.10", "198.51.100.20", "443"],
        ["whatif", "--remove", "sgr-004e74d9fc0115aee"],
    ],
)
def test_every_report_takes_the_engine_options(
    runner: CliRunner,
    analyzed_db: str,
    tmp_path: Path,
    command: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A report on 100M records held 8.6 GB (report tighten) under the default limit: each
    command that reads the analysis takes --threads, --memory-limit and --temp-dir too, and they
    reach DuckDB (the real connection, opened with them; an invalid size is DuckDB's error,
    exit 2)."""
    import flowsg.cli

    opened: list[dict[str, object]] = []
    real_connect = flowsg.cli.connect

    def connect(database: str, **settings: Any) -> duckdb.DuckDBPyConnection:
        opened.append(settings)
        return real_connect(database, **settings)

    monkeypatch.setattr(flowsg.cli, "connect", connect)
    spill = str(tmp_path / "spill")
    engine = ["--threads", "1", "--memory-limit", "256MB", "--temp-dir", spill]
    ok = runner.invoke(cli, [*command, "--db", analyzed_db, *engine])
    assert ok.exit_code == 0, ok.output
    assert opened == [
        {"read_only": True, "threads": 1, "memory_limit": "256MB", "temp_directory": spill}
    ]
    bad = runner.invoke(cli, [*command, "--db", analyzed_db, "--memory-limit", "lots"])
    assert bad.exit_code == 2
    assert "cannot use these settings" in error_line(bad)
