"""User values never become SQL or shell: quotes, semicolons and SQL comments given to every
option that reaches a query (filters, rule ids, addresses, protocols, times, formats, settings)
and to every path (logs, snapshot, --db, --out) are data: one clear error or a result about
exactly that value, and the database's tables as they were. Paths are used as given: `$HOME`,
`~` and `*` are names like any other (flowsg expands nothing, and neither does DuckDB for it)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest
from cli_process import SAMPLE, environment, run
from click.testing import CliRunner

from flowsg.cli import cli

PAYLOADS = [
    "'; DROP TABLE flows; --",
    '" OR 1=1 --',
    "/* */ sg-0749b639bc172ea15",
    "sg-x' OR '1'='1",
    "eni-x'); DELETE FROM rules; --",
    "\\'; SELECT 1; --",
    "%",
    "_",
    "$HOME",
    "*",
]
HOSTILE_NAME = "web'; DROP TABLE rules; --"
HOSTILE_DB = "f'\"; DROP TABLE flows; -- .duckdb"


def tables(db: str) -> dict[str, int]:
    """Every table of the database with its row count."""
    with duckdb.connect(db, read_only=True) as con:
        query = "SELECT table_name FROM information_schema.tables"  # flows is a view
        names = [r[0] for r in con.execute(query).fetchall()]
        counts = {}
        for name in names:
            escaped = name.replace('"', '""')
            counts[name] = con.execute(f'SELECT count(*) FROM "{escaped}"').fetchall()[0][0]
    return counts


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, int]]:
    """The sample analyzed into a database whose file name is itself an injection attempt, with
    a snapshot whose group name is one."""
    folder = tmp_path_factory.mktemp("inj")
    snapshot = folder / "snap'; DROP TABLE rules; --"
    shutil.copytree(SAMPLE / "snapshot", snapshot)
    groups_file = snapshot / "describe-security-groups.json"
    groups = json.loads(groups_file.read_text())
    groups["SecurityGroups"][0]["GroupName"] = HOSTILE_NAME
    groups_file.write_text(json.dumps(groups))
    db = str(folder / HOSTILE_DB)
    result = CliRunner().invoke(cli, ["analyze", str(SAMPLE), "--snapshot", str(snapshot),
                                      "--db", db])  # fmt: skip
    assert result.exit_code == 0, result.output
    before = tables(db)
    assert before["flows"] == 8611
    with duckdb.connect(db, read_only=True) as con:
        names = [r[0] for r in con.execute("SELECT group_name FROM security_groups").fetchall()]
    assert HOSTILE_NAME in names
    return db, before


def one_error_line(result: object) -> str:
    lines = result.stderr.strip().splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1, result.stderr  # type: ignore[attr-defined]
    assert lines[0].startswith("flowsg: ")
    return str(lines[0])


def option_cases(db: str, payload: str) -> list[list[str]]:
    """Every option that reaches SQL, given the payload."""
    cases = []
    for report in ("rejects", "unexplained", "rules", "tighten"):
        for option in ("--group", "--interface", "--since", "--until"):
            cases.append(["report", report, option, payload, "--db", db])
    cases += [
        ["report", "graph", "--group", payload, "--db", db],
        ["report", "graph", "--since", payload, "--db", db],
        ["report", "egress", payload, "--db", db],
        ["report", "egress", "sgr-0533865da3611804d", "--interface", payload, "--db", db],
        ["whatif", "--remove", payload, "--db", db],
        ["explain", payload, "198.51.100.108", "8443", "--db", db],
        ["explain", "198.51.100.68", payload, "8443", "--db", db],
        ["explain", "198.51.100.68", "198.51.100.108", "8443", "--protocol", payload, "--db", db],
    ]
    return cases


@pytest.mark.parametrize("payload", PAYLOADS)
def test_options_reaching_sql_take_the_payload_as_data(
    analyzed: tuple[str, dict[str, int]], payload: str
) -> None:
    db, before = analyzed
    runner = CliRunner()
    for args in option_cases(db, payload):
        result = runner.invoke(cli, args)
        assert result.exit_code == 2, (args, result.output)
        line = one_error_line(result)
        assert "Traceback" not in result.stderr
        # the value is quoted back as given (a time is refused by its parser first)
        assert payload in line or "is not a time" in line, line
        assert result.stdout == ""
    assert tables(db) == before


def test_hostile_text_in_the_snapshot_is_shown_as_data(
    analyzed: tuple[str, dict[str, int]],
) -> None:
    db, before = analyzed
    result = CliRunner().invoke(cli, ["report", "rules", "--db", db, "--format", "csv"])
    assert result.exit_code == 0
    assert HOSTILE_NAME in result.stdout
    assert tables(db) == before


@pytest.mark.parametrize(
    "log_format",
    [
        "${version}'; DROP TABLE flows; --",
        "${version} ${srcaddr'; DROP TABLE flows; --}",
        "/* ${version} */",
        '${version} " OR 1=1 --',
    ],
)
def test_log_format_is_parsed_not_executed(tmp_path: Path, log_format: str) -> None:
    db = str(tmp_path / "f.duckdb")
    log = tmp_path / "a.log"
    log.write_text("2\n")
    result = CliRunner().invoke(cli, ["load", str(log), "--db", db, "--log-format", log_format])
    assert result.exit_code == 2, result.output
    assert "log format" in one_error_line(result) or "unknown field" in one_error_line(result)
    assert not Path(db).exists()


@pytest.mark.parametrize("payload", ["1GB'; DROP TABLE flows; --", "'; PRAGMA threads=1; --"])
def test_memory_limit_is_a_setting_not_sql(tmp_path: Path, payload: str) -> None:
    log = tmp_path / "a.log"
    log.write_text("2\n")
    result = CliRunner().invoke(cli, ["load", str(log), "--db", ":memory:", "--memory-limit",
                                      payload])  # fmt: skip
    assert result.exit_code == 2
    assert "cannot use these settings" in one_error_line(result)


RECORD = (
    "2 {account} {eni} 203.0.113.10 198.51.100.20 49152 443 6 10 840 1762074000 1762074060 "
    "ACCEPT OK"
)


def test_values_in_the_logs_are_data(tmp_path: Path) -> None:
    """Fields holding quotes, semicolons and comments (no spaces: they split fields) are loaded
    as those characters."""
    hostile = {"account": "1';DROP/**/TABLE/**/flows;--", "eni": 'eni-"OR"1"="1--'}
    log = tmp_path / "a.log"
    log.write_text(RECORD.format(**hostile) + "\n")
    db = str(tmp_path / "f.duckdb")
    assert CliRunner().invoke(cli, ["load", str(log), "--db", db]).exit_code == 0
    with duckdb.connect(db, read_only=True) as con:
        rows = con.execute("SELECT account_id, interface_id FROM flows").fetchall()
    assert rows == [(hostile["account"], hostile["eni"])]


def test_paths_are_used_exactly_as_given(tmp_path: Path) -> None:
    """Quotes, semicolons and comments in every path of a real run (own process, no shell)."""
    logs = tmp_path / "logs 'a'; --"
    shutil.copytree(SAMPLE / "AWSLogs", logs / "AWSLogs")
    log = logs / 'it\'s "q"; DROP TABLE flows; --.log'
    log.write_text(RECORD.format(account="1", eni="eni-1") + "\n")
    snapshot = tmp_path / "snap /* */ ' OR 1=1"
    shutil.copytree(SAMPLE / "snapshot", snapshot)
    db = tmp_path / "db'; DROP TABLE flows; --.duckdb"
    out = tmp_path / 'out"; --'
    result = run("analyze", str(logs), "--snapshot", str(snapshot), "--db", str(db), "--out",
                 str(out))  # fmt: skip
    assert result.code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "flows.parquet", "malformed.parquet", "rule_usage.parquet", "summary.json",
    ]  # fmt: skip
    with duckdb.connect(str(db), read_only=True) as con:
        files = {r[0] for r in con.execute("SELECT source_file FROM files").fetchall()}
        flows = con.execute("SELECT count(*) FROM flows WHERE source_file = ?", [str(log)])
        assert flows.fetchall() == [(1,)]
    assert str(log) in files


def test_dollar_tilde_and_star_are_not_expanded(tmp_path: Path) -> None:
    """flowsg expands nothing in a path: `$HOME`, `~` and `*` are file names (and DuckDB, which
    would read a leading `~` of --db as the home folder, is given './~/…')."""
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    (work / "$HOME").write_text(RECORD.format(account="1", eni="eni-1") + "\n")
    (work / "a.log").write_text(RECORD.format(account="2", eni="eni-2") + "\n")
    env = environment(HOME=str(home))

    loaded = run("load", "$HOME", "--db", "$HOME.duckdb", env=env, cwd=work)
    assert loaded.code == 0, loaded.stderr
    assert (work / "$HOME.duckdb").exists()
    with duckdb.connect(str(work / "$HOME.duckdb"), read_only=True) as con:
        assert con.execute("SELECT source_file, account_id FROM flows").fetchall() == [
            ("$HOME", "1")
        ]

    star = run("load", "*.log", "--db", ":memory:", env=env, cwd=work)
    assert star.code == 3
    assert "no such file or directory: *.log" in star.error_line()

    tilde = run("load", "~/a.log", "--db", ":memory:", env=env, cwd=work)
    assert tilde.code == 3
    assert "no such file or directory: ~/a.log" in tilde.error_line()

    (work / "~").mkdir()
    db = run("load", "a.log", "--db", "~/f.duckdb", env=env, cwd=work)
    assert db.code == 0, db.stderr
    assert (work / "~" / "f.duckdb").exists()
    assert list(home.iterdir()) == []  # nothing written to the real home folder

    out = run("analyze", "a.log", "--snapshot", str(SAMPLE / "snapshot"), "--db", ":memory:",
              "--out", "$OUT*", env=env, cwd=work)  # fmt: skip
    assert out.code == 0, out.stderr
    assert (work / "$OUT*" / "summary.json").exists()


def test_names_that_are_not_utf8(tmp_path: Path) -> None:
    """A file name need not be UTF-8 on Linux, but a source_file must be: such a file under a
    folder is reported (unreadable, its name with U+FFFD), never a crash; the others are read.
    An argument that is not UTF-8 is a usage error (it crashed DuckDB's and Arrow's bindings)."""
    logs = tmp_path / "logs"
    logs.mkdir()
    record = RECORD.format(account="1", eni="eni-1") + "\n"
    (logs / "ok.log").write_text(record)
    with open(os.path.join(os.fsencode(logs), b"\xff\xfe.log"), "wb") as fh:
        fh.write(record.encode())
    snapshot = tmp_path / "snap"
    shutil.copytree(SAMPLE / "snapshot", snapshot)
    shutil.copy(
        snapshot / "describe-network-acls.json", os.path.join(os.fsencode(snapshot), b"\xff.json")
    )
    db = tmp_path / "f.duckdb"
    result = run("analyze", str(logs), "--snapshot", str(snapshot), "--db", str(db), "--strict")
    assert result.code == 1, result.stderr
    assert "0 line(s) and 1 file(s) were quarantined" in result.error_line()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM flows").fetchall() == [(1,)]
        assert con.execute("SELECT source_file, reason FROM malformed").fetchall() == [
            (f"{logs}/\ufffd\ufffd.log",
             "unreadable: the file name is not valid UTF-8 (rename the file to read it)")
        ]  # fmt: skip
        skipped = con.execute(
            "SELECT error FROM snapshot_files WHERE source_file = ?", [f"{snapshot}/\ufffd.json"]
        ).fetchall()
        assert skipped == [("unreadable: the file name is not valid UTF-8",)]

    garbled = os.fsdecode(b"x\xff")
    for args in (
        ["load", str(logs), "--db", garbled],
        ["load", os.path.join(str(logs), garbled)],
        ["report", "rules", "--db", str(db), "--group", garbled],
        ["analyze", str(logs), "--snapshot", str(snapshot), "--db", ":memory:", "--out", garbled],
    ):
        refused = run(*args)
        assert refused.code == 2, (args, refused.stderr)
        assert "an argument is not valid UTF-8: " in refused.error_line()
        assert "x\ufffd'" in refused.error_line()
