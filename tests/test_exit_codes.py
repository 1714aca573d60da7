"""Every exit code the README documents, walked through the real `flowsg` command in its own
process (real DuckDB, real files): the code, exactly one line on stderr, no traceback unless
--debug, and no error text on stdout (which carries data only)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from cli_process import ROOT, SAMPLE, Held, Result, environment, run

README = ROOT / "README.md"
HEADER = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes"
HEADER += " start end action log-status"
RECORD = (
    "2 111122223333 eni-0a1b2c3d4e5f60718 203.0.113.10 198.51.100.20 49152 443 6 10 840"
    " 1762074000 1762074060 ACCEPT OK"
)


def documented_codes() -> set[int]:
    """The codes in the README's "### Exit codes" table."""
    text = README.read_text(encoding="utf-8").split("### Exit codes", 1)[1].split("\n### ", 1)[0]
    return {int(m) for m in re.findall(r"^\| (\d+) \|", text, flags=re.MULTILINE)}


def good_log(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "good.log"
    path.write_text(f"{HEADER}\n{RECORD}\n")
    return path


def broken_log(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "broken.log"
    path.write_text(f"{HEADER}\n{RECORD}\n2 not a record\n")
    return path


def check_error(result: Result, code: int, *words: str) -> str:
    """The run failed with `code` and one line on stderr holding `words`; stdout has no error."""
    assert result.code == code, (result.code, result.stderr)
    line = result.error_line()
    for word in words:
        assert word in line, line
    assert "flowsg:" not in result.stdout
    assert "hint:" not in result.stdout
    assert "Traceback" not in result.stdout
    return line


def check_debug(args: list[str], code: int) -> None:
    """With --debug the same run prints the traceback, and still ends with the one line."""
    result = run("--debug", *args)
    assert result.code == code
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("flowsg: ")
    assert "Traceback" not in result.stdout


# Each case: (code, name, a function of the test's folder giving the argv and the words expected
# in the error line, or None for success). Several per code where the paths differ.
Case = tuple[int, str, Callable[[Path], tuple[list[str], tuple[str, ...]]]]


def _ok_load(d: Path) -> tuple[list[str], tuple[str, ...]]:
    return ["load", str(good_log(d)), "--db", str(d / "f.duckdb"), "--strict"], ()


def _strict_load(d: Path) -> tuple[list[str], tuple[str, ...]]:
    args = ["load", str(broken_log(d)), "--db", str(d / "f.duckdb"), "--strict"]
    return args, ("--strict: 1 line(s) and 0 file(s) were quarantined", "malformed")


def _strict_analyze(d: Path) -> tuple[list[str], tuple[str, ...]]:
    args = ["analyze", str(SAMPLE), "--snapshot", str(SAMPLE / "snapshot"), "--db", ":memory:"]
    return [*args, "--strict", "--out", str(d / "out")], ("5 line(s)", "quarantined")


def _usage_option(d: Path) -> tuple[list[str], tuple[str, ...]]:
    return ["load", str(good_log(d)), "--bogus"], ("No such option",)


def _usage_format(d: Path) -> tuple[list[str], tuple[str, ...]]:
    return ["load", str(good_log(d)), "--log-format", "${version} ${nope}"], ("unknown field",)


def _usage_threads(d: Path) -> tuple[list[str], tuple[str, ...]]:
    return ["load", str(good_log(d)), "--db", ":memory:", "--threads", "100000"], ("--threads",)


def _usage_out_folder(d: Path) -> tuple[list[str], tuple[str, ...]]:
    out = d / "mine"
    out.mkdir(parents=True)
    (out / "notes.txt").write_text("mine")
    args = ["analyze", str(good_log(d)), "--snapshot", str(SAMPLE / "snapshot"), "--out", str(out)]
    return [*args, "--db", ":memory:"], ("holds other files", "notes.txt")


def _input_missing(d: Path) -> tuple[list[str], tuple[str, ...]]:
    return ["load", str(d / "missing.log"), "--db", ":memory:"], ("no such file or directory",)


def _input_unreadable(d: Path) -> tuple[list[str], tuple[str, ...]]:
    d.mkdir(parents=True, exist_ok=True)
    (d / "x.log.gz").write_bytes(b"\x1f\x8b\x08\x00not deflate at all")
    return ["load", str(d / "x.log.gz"), "--db", ":memory:"], ("no readable flow-log file",)


def _input_html_out(d: Path) -> tuple[list[str], tuple[str, ...]]:
    db = analyzed(d)
    out = d / "no-such-folder" / "r.html"
    return ["report", "html", "--out", str(out), "--db", db], ("cannot write",)


def _input_out_under_a_file(d: Path) -> tuple[list[str], tuple[str, ...]]:
    log = good_log(d)
    args = ["analyze", str(log), "--snapshot", str(SAMPLE / "snapshot"), "--db", ":memory:"]
    return [*args, "--out", str(log / "out")], ("cannot write --out",)


def _snapshot_invalid(d: Path) -> tuple[list[str], tuple[str, ...]]:
    snap = d / "snap"
    snap.mkdir(parents=True)
    (snap / "describe-network-interfaces.json").write_text('{"NetworkInterfaces": []}')
    args = ["analyze", str(good_log(d)), "--snapshot", str(snap), "--db", ":memory:"]
    return args, ("no security groups",)


def _database_not_duckdb(d: Path) -> tuple[list[str], tuple[str, ...]]:
    d.mkdir(parents=True, exist_ok=True)
    (d / "notes.txt").write_text("not a database\n" * 200)
    return ["load", str(good_log(d)), "--db", str(d / "notes.txt")], ("cannot open database",)


def _database_no_analysis(d: Path) -> tuple[list[str], tuple[str, ...]]:
    db = str(d / "loaded.duckdb")
    assert run("load", str(good_log(d)), "--db", db).code == 0
    return ["report", "rules", "--db", db], ("holds no analysis",)


def _database_out_of_memory(d: Path) -> tuple[list[str], tuple[str, ...]]:
    """The first cause is reported (it was 'Current transaction is aborted'), wherever it strikes:
    in the load, or already while the connection is set up (the CLI maps it, not only load())."""
    args = ["load", str(SAMPLE), "--db", ":memory:", "--memory-limit", "1KB"]
    return args, ("Out of Memory Error", "--memory-limit")


def _aws_profile(d: Path) -> tuple[list[str], tuple[str, ...]]:
    pytest.importorskip("boto3")
    return ["snapshot", "--out", str(d / "snap"), "--profile", "flowsg-no-such-profile"], (
        "no AWS profile named",
    )


def analyzed(d: Path) -> str:
    db = str(d / "sample.duckdb")
    args = ["analyze", str(SAMPLE), "--snapshot", str(SAMPLE / "snapshot"), "--db", db]
    assert run(*args).code == 0
    return db


CASES: list[Case] = [
    (0, "load", _ok_load),
    (1, "load --strict", _strict_load),
    (1, "analyze --strict", _strict_analyze),
    (2, "unknown option", _usage_option),
    (2, "bad --log-format", _usage_format),
    (2, "--out holds other files", _usage_out_folder),
    (2, "--threads beyond 1024", _usage_threads),
    (3, "missing path", _input_missing),
    (3, "nothing readable", _input_unreadable),
    (3, "report html --out unwritable", _input_html_out),
    (3, "analyze --out under a file", _input_out_under_a_file),
    (4, "snapshot without groups", _snapshot_invalid),
    (5, "not a DuckDB file", _database_not_duckdb),
    (5, "no analysis", _database_no_analysis),
    (5, "out of memory", _database_out_of_memory),
    (6, "unknown AWS profile", _aws_profile),
]


def aws_env(d: Path) -> dict[str, str]:
    """No AWS configuration of the machine is read."""
    return environment(
        AWS_CONFIG_FILE=str(d / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(d / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )


@pytest.mark.parametrize(("code", "name", "make"), CASES, ids=[c[1] for c in CASES])
def test_exit_code(
    tmp_path: Path, code: int, name: str, make: Callable[[Path], tuple[list[str], tuple[str, ...]]]
) -> None:
    args, words = make(tmp_path)
    result = run(*args, env=aws_env(tmp_path))
    if code == 0:
        assert result.code == 0, result.stderr
        assert result.stderr == ""
        assert "Loaded 1 file(s)" in result.stdout
        return
    check_error(result, code, *words)
    if code == 1:  # done: the summary is on stdout, the outputs are written
        assert result.stdout.startswith(("Loaded ", "Analyzed "))
        if "--out" in args:
            assert (Path(args[args.index("--out") + 1]) / "flows.parquet").exists()
        without = [a for a in args if a != "--strict"]
        assert run(*without).code == 0  # quarantined input alone is not a failure
    if code >= 3:
        check_debug(args, code)


def test_internal_error_exits_70(tmp_path: Path) -> None:
    """A bug (here one planted in the process: load_summary raises) is one line and code 70, and
    its traceback with --debug."""
    plant = textwrap.dedent(
        """
        import sys
        import flowsg.cli as cli
        def broken(*args, **kwargs):
            raise RuntimeError("planted bug")
        cli.load_summary = broken
        sys.argv[0] = "flowsg"
        cli.entry_point()
        """
    )
    args = ["load", str(good_log(tmp_path)), "--db", ":memory:"]
    for debug in ([], ["--debug"]):
        done = subprocess.run(
            [sys.executable, "-c", plant, *debug, *args], capture_output=True, check=False
        )
        result = Result(done.returncode, done.stdout.decode(), done.stderr.decode())
        assert result.code == 70
        if debug:
            assert "Traceback (most recent call last)" in result.stderr
            assert "planted bug" in result.stderr.splitlines()[-1]
        else:
            check_error(result, 70, "internal error: RuntimeError: planted bug", "--debug")


def test_interrupted_load_exits_130_and_keeps_the_previous_tables(tmp_path: Path) -> None:
    """SIGINT in the middle of a load (paused after its first file): code 130, one line, and the
    database as the previous load left it (the load is one transaction)."""
    db = str(tmp_path / "f.duckdb")
    assert run("load", str(good_log(tmp_path)), "--db", db).code == 0
    held = Held("load", tmp_path / "hold", "load", str(SAMPLE), "--db", db)
    held.wait()
    result = held.kill(signal.SIGINT)
    check_error(result, 130, "interrupted")
    assert result.stdout == ""
    with duckdb.connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM flows").fetchall() == [(1,)]
        assert con.execute("SELECT count(*) FROM files").fetchall() == [(1,)]


def test_every_documented_code_is_walked() -> None:
    walked = {code for code, _, _ in CASES} | {70, 130}
    assert documented_codes() == walked
