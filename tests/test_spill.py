"""Where DuckDB spills beyond --memory-limit (flowsg.db.spill_directory, --temp-dir): a folder of
its own in the system's temporary folder for an in-memory database and for a report's read-only
one, never the current directory nor beside a database only read, and an error that names
--temp-dir when that folder cannot be written."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import duckdb
import pytest
from aws_testing import error_line
from cli_process import SAMPLE, Result
from click.testing import CliRunner

import flowsg
from flowsg.cli import cli

HEADER = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes"
    " start end action log-status"
)
LIMIT = "64MB"
"""Below what the load of big_log holds uncompressed (it checkpoints only at its end), and enough
for DuckDB to finish it when it can spill."""


@pytest.fixture(scope="module")
def big_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """400,000 distinct records (about 47 MB of text): more than LIMIT once loaded."""
    path = tmp_path_factory.mktemp("spill") / "big.log"
    with path.open("w") as out:
        out.write(HEADER + "\n")
        for i in range(400_000):
            out.write(
                f"2 111122223333 eni-0a1b2c3d4e5f6{i % 100:04d} 203.0.113.{i % 250}"
                f" 198.51.100.{i * 7 % 250} {1024 + i % 60000} 443 6 {i % 50 + 1} {i % 9000 + 40}"
                f" {1762074000 + i % 3600} {1762074060 + i % 3600} ACCEPT OK\n"
            )
    return path


def not_a_folder(tmp_path: Path) -> Path:
    """A path no one can create a folder at, root included: it lies under a regular file."""
    plain = tmp_path / "plain-file"
    plain.write_text("")
    return plain / "spill"


def setting(con: duckdb.DuckDBPyConnection) -> str:
    [(value,)] = con.execute("SELECT current_setting('temp_directory')").fetchall()
    return str(value)


def test_where_each_database_spills(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "system-tmp"))
    first, second = flowsg.connect(":memory:"), flowsg.connect(":memory:")
    for con in (first, second):
        assert Path(setting(con)).parent == tmp_path / "system-tmp"
        assert Path(setting(con)).name.startswith(f"flowsg-{os.getpid()}-")
    assert setting(first) != setting(second)  # each removes its own folder when it closes
    db_file = tmp_path / "f.duckdb"
    written = flowsg.connect(db_file)
    assert setting(written) == f"{db_file}.tmp"  # DuckDB's own default
    written.close()
    reader = flowsg.connect(db_file, read_only=True)
    assert Path(setting(reader)).parent == tmp_path / "system-tmp"
    again = flowsg.connect(db_file, read_only=True)  # DuckDB refuses other settings on one file
    assert setting(again) == setting(reader)
    other = tmp_path / "g.duckdb"
    flowsg.connect(other).close()
    assert setting(flowsg.connect(other, read_only=True)) != setting(reader)
    given = flowsg.connect(":memory:", temp_directory=tmp_path / "mine")
    assert setting(given) == str(tmp_path / "mine")
    monkeypatch.chdir(tmp_path)
    assert setting(flowsg.connect(":memory:", temp_directory="~spill")) == os.path.join(
        ".", "~spill"
    )


def test_a_load_spills_into_temp_dir(big_log: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["load", str(big_log), "--db", ":memory:", "--memory-limit", LIMIT]
    bad = runner.invoke(cli, [*args, "--temp-dir", str(not_a_folder(tmp_path))])
    assert bad.exit_code == 5, bad.output  # so the load did need to spill, and there
    line = error_line(bad)
    assert str(not_a_folder(tmp_path)) in line and "--temp-dir" in line
    ok = runner.invoke(cli, [*args, "--temp-dir", str(tmp_path / "spill")])
    assert ok.exit_code == 0, ok.output
    assert "Loaded 1 file(s)" in ok.stdout
    assert not (tmp_path / "spill").exists()  # DuckDB made it and removed it


def test_memory_spills_into_the_system_temp_not_the_current_folder(
    big_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    args = ["load", str(big_log), "--db", ":memory:", "--memory-limit", LIMIT]
    monkeypatch.setattr(tempfile, "tempdir", str(not_a_folder(tmp_path)))
    bad = CliRunner().invoke(cli, args)
    assert bad.exit_code == 5, bad.output
    assert str(not_a_folder(tmp_path)) in error_line(bad)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "system-tmp"))
    (tmp_path / "system-tmp").mkdir()
    ok = CliRunner().invoke(cli, args)
    assert ok.exit_code == 0, ok.output
    assert list((tmp_path / "system-tmp").iterdir()) == []  # its folder removed on close
    assert list((tmp_path / "cwd").iterdir()) == []  # no .tmp left where it was started


def test_an_io_error_after_the_load_is_a_database_error(tmp_path: Path) -> None:
    """A DuckDB I/O error outside the load (there the load reports it), such as a spill failing
    during the attribution, exits 5 with the --temp-dir hint, not 70 as a bug. Planted in the
    process: a real DuckDB statement that cannot write its file runs before the attribution."""
    plant = textwrap.dedent(
        """
        import os
        import sys
        import flowsg.pipeline as pipeline
        real = pipeline.attribute
        def failing(con):
            con.execute("COPY (SELECT 1 AS x) TO '" + os.environ["UNWRITABLE"] + "' (FORMAT csv)")
            return real(con)
        pipeline.attribute = failing
        import flowsg.cli as cli
        sys.argv[0] = "flowsg"
        cli.entry_point()
        """
    )
    unwritable = str(not_a_folder(tmp_path) / "x.csv")
    args = ["analyze", str(SAMPLE), "--snapshot", str(SAMPLE / "snapshot"), "--db", ":memory:"]
    done = subprocess.run(
        [sys.executable, "-c", plant, *args],
        capture_output=True,
        check=False,
        env={**os.environ, "UNWRITABLE": unwritable},
    )
    result = Result(done.returncode, done.stdout.decode(), done.stderr.decode())
    assert result.code == 5, result.stderr
    line = result.error_line()
    assert line.startswith("flowsg: DuckDB could not read or write a file: IO Error")
    assert "--temp-dir" in line
    assert result.stdout == ""


def test_a_report_spills_into_the_system_temp_not_beside_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report opens the database read-only, and its reader may not write in that folder (a
    shared analysis): beside it, DuckDB's own default, a spill fails. Here `FILE.tmp` is a plain
    file, so no folder can be made there, root or not; the statement needs to spill under 32MB."""
    db_file = tmp_path / "shared" / "f.duckdb"
    db_file.parent.mkdir()
    flowsg.connect(db_file).close()
    Path(f"{db_file}.tmp").write_text("")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "system-tmp"))
    (tmp_path / "system-tmp").mkdir()
    spilling = "SELECT count(*) FROM (SELECT DISTINCT i, i * 7 FROM range(3000000) AS t(i))"
    config = {"memory_limit": "32MB", "threads": 1}
    plain = duckdb.connect(str(db_file), read_only=True, config=config)  # DuckDB's defaults
    with pytest.raises(duckdb.IOException, match=r"f\.duckdb\.tmp"):
        plain.execute(spilling).fetchall()
    plain.close()
    con = flowsg.connect(db_file, read_only=True, memory_limit="32MB", threads=1)
    assert con.execute(spilling).fetchall() == [(3_000_000,)]
    con.close()
    assert list((tmp_path / "system-tmp").iterdir()) == []  # its folder removed on close
