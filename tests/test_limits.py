"""The documented limits (README, "Limits"): a line of up to 65,536 bytes is read, a longer one is
quarantined as `line too long` (and one over 16 MiB without being held in memory whole), with
the lines around it loaded and every line accounted for; `raw` is cut to 1,024 characters."""

from __future__ import annotations

import gzip
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import duckdb
from click.testing import CliRunner

import flowsg
from flowsg.cli import cli

LIMIT = 65_536
RECORD = (
    "2 {account} eni-0a1b2c3d4e5f60718 203.0.113.10 198.51.100.20 49152 443 6 10 840"
    " 1762074000 1762074060 ACCEPT OK"
)


def record_of(size: int) -> str:
    """A valid record of exactly `size` bytes (the account id takes the rest)."""
    bare = RECORD.format(account="")
    line = RECORD.format(account="1" * (size - len(bare)))
    assert len(line.encode()) == size
    return line


def test_the_documented_limit() -> None:
    assert flowsg.MAX_LINE_BYTES == LIMIT
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "| a line | 65,536 bytes (longer: quarantined as `line too long: N bytes`" in readme


def test_a_line_over_the_limit_is_quarantined(tmp_path: Path) -> None:
    log = tmp_path / "long.log"
    lines = [record_of(120), record_of(LIMIT), record_of(LIMIT + 1), record_of(300)]
    log.write_text("\n".join(lines) + "\n")
    db = str(tmp_path / "f.duckdb")
    result = CliRunner().invoke(cli, ["load", str(log), "--db", db, "--strict"])
    assert result.exit_code == 1  # something was quarantined
    with duckdb.connect(db, read_only=True) as con:
        assert con.execute("SELECT line_number FROM flows ORDER BY 1").fetchall() == [
            (1,), (2,), (4,)
        ]  # fmt: skip
        rows = con.execute("SELECT line_number, reason, length(raw) FROM malformed").fetchall()
        assert rows == [(3, f"line too long: {LIMIT + 1} bytes, the limit is {LIMIT}", 1024)]
        assert con.execute("SELECT lines_read, records, malformed FROM files").fetchall() == [
            (4, 3, 1)
        ]


def test_a_line_over_16_mib_is_quarantined_without_losing_its_neighbours(tmp_path: Path) -> None:
    huge = b"9" * (40 * 1024 * 1024)
    data = b"\n".join([record_of(120).encode(), huge, record_of(120).encode()]) + b"\n"
    log = tmp_path / "huge.log.gz"
    log.write_bytes(gzip.compress(data, compresslevel=1))
    con = flowsg.connect(":memory:")
    flowsg.load(con, [log])
    assert con.execute("SELECT line_number FROM flows ORDER BY 1").fetchall() == [(1,), (3,)]
    (reason,) = con.execute("SELECT reason FROM malformed").fetchall()[0]
    assert reason.startswith("line too long: over 16777216 bytes")
    assert con.execute("SELECT lines_read, headers, records, malformed FROM files").fetchall() == [
        (3, 0, 2, 1)
    ]
    con.close()


def test_a_decompression_bomb_is_inflated_a_megabyte_at_a_time(tmp_path: Path) -> None:
    """2.3 MB of gzip holding a 512 MiB line: quarantined, and the load's peak memory stays far
    below the text's size (it was 890 MB when a read's whole output was inflated at once)."""
    bomb = tmp_path / "bomb.log.gz"
    deflate = zlib.compressobj(1, wbits=31)
    with bomb.open("wb") as fh:
        for _ in range(512):
            fh.write(deflate.compress(b"9" * (1 << 20)))
        fh.write(deflate.compress(("\n" + record_of(140) + "\n").encode()))
        fh.write(deflate.flush())
    assert bomb.stat().st_size < 4_000_000
    script = textwrap.dedent(
        f"""
        import flowsg
        con = flowsg.connect(":memory:")
        flowsg.load(con, [{str(bomb)!r}])
        print(con.execute("SELECT lines_read, records, malformed FROM files").fetchall())
        # VmHWM, this process's own peak (ru_maxrss would count the forking parent's size)
        status = open("/proc/self/status").read().split("VmHWM:")[1]
        print(int(status.split()[0]) // 1024)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True)
    counts, peak_mb = done.stdout.decode().split("\n")[:2]
    assert counts == "[(2, 1, 1)]"
    assert int(peak_mb) < 450, f"peak RSS {peak_mb} MB for a 512 MiB line"
