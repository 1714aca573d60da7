"""The ingest fast path (Arrow's CSV reader on plain blocks) gives exactly what the line-by-line
path gives: the same rows of ``flows``, ``malformed`` (raw text included) and ``files``.

Each case is loaded twice into fresh databases: as flowsg loads it, and with the fast path turned
off (``_fast_fields`` made to decline every block). A spy checks that the fast path really took
the plain cases, so that equality is not the trivial comparison of the slow path with itself.
"""

from __future__ import annotations

import codecs
import gzip
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ingest_properties import FEW_EXAMPLES, formats, mutated_records, records, tokens_of

import flowsg
from flowsg import ingest


@contextmanager
def fast_path(enabled: bool) -> Iterator[list[int]]:
    """Within: the fast path on or off; yields the row counts of the blocks it took."""
    original = ingest._fast_fields
    taken: list[int] = []

    def spy(*args: Any) -> Any:
        if not enabled:
            return None
        table = original(*args)
        if table is not None:
            taken.append(table.num_rows)
        return table

    ingest._fast_fields = spy  # type: ignore[assignment]
    try:
        yield taken
    finally:
        ingest._fast_fields = original  # type: ignore[assignment]


def tables(path: Path, **load: Any) -> dict[str, list[tuple[Any, ...]]]:
    con = flowsg.connect(":memory:")
    try:
        flowsg.load(con, [path], **load)
        return {
            "flows": con.execute("SELECT * FROM flows ORDER BY line_number").fetchall(),
            "malformed": con.execute(
                "SELECT * FROM malformed ORDER BY line_number NULLS FIRST, reason"
            ).fetchall(),
            "files": con.execute("SELECT * FROM files").fetchall(),
        }
    finally:
        con.close()


def both_ways(path: Path, **load: Any) -> tuple[dict[str, Any], dict[str, Any], list[int]]:
    with fast_path(True) as taken:
        fast = tables(path, **load)
    with fast_path(False):
        slow = tables(path, **load)
    return fast, slow, taken


def write(folder: Path, lines: Sequence[bytes], header: Sequence[str] | None, zipped: bool) -> Path:
    body = b"\n".join(([" ".join(header).encode()] if header else []) + list(lines)) + b"\n"
    path = folder / ("log.gz" if zipped else "log.txt")
    path.write_bytes(gzip.compress(body) if zipped else body)
    return path


@settings(max_examples=FEW_EXAMPLES * 2)
@given(data=st.data(), names=formats, zipped=st.booleans())
def test_plain_records_take_the_fast_path_and_load_the_same(
    data: st.DataObject, names: tuple[str, ...], zipped: bool
) -> None:
    recs = data.draw(st.lists(records(names), min_size=1, max_size=30))
    lines = [" ".join(tokens_of(names, r)).encode() for r in recs]
    with tempfile.TemporaryDirectory() as tmp:
        fast, slow, taken = both_ways(write(Path(tmp), lines, names, zipped))
    assert fast == slow
    declines = (b"{", b"\r", b"\x00")  # JSON, CR and NUL lines go line by line on purpose
    if len(names) >= 2 and not any(c in line for line in lines for c in declines):
        assert taken == [len(lines)]


@settings(max_examples=FEW_EXAMPLES * 2)
@given(data=st.data(), names=formats)
def test_bad_values_in_plain_lines_are_quarantined_the_same(
    data: st.DataObject, names: tuple[str, ...]
) -> None:
    """Lines with a wrong value where a field belongs (out of range, not a number, an unknown
    action, not an address...) keep the fast path's shape; convert.sql judges them, and the
    rebuilt raw line in `malformed` must be the line as written."""
    recs = data.draw(st.lists(records(names), min_size=1, max_size=20))
    lines = [" ".join(tokens_of(names, r)).encode() for r in recs]
    bad = data.draw(st.lists(mutated_records(names), max_size=10))
    for line in bad:
        lines.insert(data.draw(st.integers(0, len(lines))), line)
    with tempfile.TemporaryDirectory() as tmp:
        fast, slow, _ = both_ways(write(Path(tmp), lines, names, False))
    assert fast == slow


WEB = "2 123456789010 eni-0a1b2c3d 198.51.100.7 192.0.2.10 49152 443 6 10 840 1700000000 1700000060"
FIELDS = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes"


@pytest.mark.parametrize(
    ("text", "fast"),
    [
        pytest.param(f"{FIELDS} start end action log-status\n{WEB} ACCEPT OK\n", True, id="plain"),
        pytest.param(
            f"{FIELDS} start end action log-status\n{WEB} ACCEPT OK\n"
            f"{FIELDS} start end log-status action\n{WEB} OK REJECT\n",
            False,
            id="a second header of the same width",
        ),
        pytest.param(
            f"{FIELDS} start end action log-status\r\n{WEB} ACCEPT OK\r\n", False, id="CRLF"
        ),
        pytest.param(
            f"{FIELDS} start end action log-status\n{WEB} ACCEPT OK\n\n", False, id="empty line"
        ),
        pytest.param(
            f"{FIELDS} start end action log-status\n{WEB}  ACCEPT OK\n", False, id="two spaces"
        ),
        pytest.param(
            f"{FIELDS} start end action log-status\n{WEB} ACCEPT OK\n{WEB} ACCEPT 0x1\n",
            True,
            id="bad value, plain shape",
        ),
        pytest.param(
            f"{FIELDS} start end action log-status\n{WEB} ACCEPT OK\n{WEB} ACCEPT OK extra\n",
            False,
            id="a field too many",
        ),
        pytest.param(
            f"{FIELDS} start end action log-status\n"
            + "\n".join(f"{WEB} ACCEPT OK" for _ in range(3))
            + "\n"
            + WEB.replace("443", "4" * 70_000)
            + " ACCEPT OK\n",
            False,
            id="over-long line",
        ),
    ],
)
def test_edge_blocks(tmp_path: Path, text: str, fast: bool) -> None:
    path = tmp_path / "log.txt"
    path.write_text(text, newline="")
    fast_tables, slow_tables, taken = both_ways(path)
    assert fast_tables == slow_tables
    assert bool(taken) == fast


# --- small files gathered --------------------------------------------------------------------


def files_tables(paths: Sequence[Path]) -> dict[str, list[tuple[Any, ...]]]:
    con = flowsg.connect(":memory:")
    try:
        flowsg.load(con, paths)
        return {
            "flows": con.execute(
                "SELECT * FROM flows ORDER BY source_file, line_number"
            ).fetchall(),
            "malformed": con.execute(
                "SELECT * FROM malformed ORDER BY source_file, line_number NULLS FIRST, reason"
            ).fetchall(),
            "files": con.execute("SELECT * FROM files ORDER BY source_file").fetchall(),
        }
    finally:
        con.close()


def gathered_and_alone(paths: Sequence[Path]) -> tuple[dict[str, Any], dict[str, Any], list[int]]:
    """The tables with small files gathered (as flowsg loads them) and with every file split on
    its own; and the row counts of the fast path's calls in the first load."""
    with fast_path(True) as taken:
        gathered = files_tables(paths)
    with mock.patch.object(ingest, "SMALL_FILE_BYTES", 0):
        alone = files_tables(paths)
    return gathered, alone, taken


@settings(max_examples=FEW_EXAMPLES * 2)
@given(data=st.data(), names=formats)
def test_small_files_gathered_load_as_each_alone(
    data: st.DataObject, names: tuple[str, ...]
) -> None:
    """Small files, with a header or without, some with bad lines (which make the joined lines
    decline the fast path, so that every body goes its own way), gzip or not."""
    n_files = data.draw(st.integers(1, 5))
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i in range(n_files):
            recs = data.draw(st.lists(records(names), max_size=8))
            lines = [" ".join(tokens_of(names, r)).encode() for r in recs]
            for line in data.draw(st.lists(mutated_records(names), max_size=2)):
                lines.insert(data.draw(st.integers(0, len(lines))), line)
            header = names if data.draw(st.integers(0, 4)) else None
            folder = Path(tmp) / str(i)
            folder.mkdir()
            paths.append(write(folder, lines, header, data.draw(st.booleans())))
        gathered, alone, _ = gathered_and_alone(paths)
    assert gathered == alone


def test_plain_small_files_are_split_in_one_call(tmp_path: Path) -> None:
    """50 small files of the same format, then a 51st with a bad line: the 50 are one call of the
    fast path; with the 51st, the joined lines decline and each file goes its own way, loading
    the same tables."""
    header = f"{FIELDS} start end action log-status".split()
    paths = []
    for i in range(50):
        lines = [
            f"{WEB.replace('49152', str(40000 + j))} ACCEPT OK".encode() for j in range(i % 4 + 1)
        ]
        folder = tmp_path / f"f{i:02d}"
        folder.mkdir()
        paths.append(write(folder, lines, header, i % 2 == 0))
    gathered, alone, taken = gathered_and_alone(paths)
    assert gathered == alone
    assert taken == [sum(i % 4 + 1 for i in range(50))]
    assert len(gathered["flows"]) == 123 and gathered["malformed"] == []
    (tmp_path / "bad").mkdir()
    paths.append(write(tmp_path / "bad", [f"{WEB} ACCEPT OK extra".encode()], header, False))
    gathered, alone, taken = gathered_and_alone(paths)
    assert gathered == alone
    assert len(taken) == 50  # each good file on its own; the bad one line by line
    assert [row[2] for row in gathered["malformed"]] == ["wrong number of fields: 15, expected 14"]


def test_every_block_of_a_file_of_many_blocks_takes_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file read in many blocks (here of about 4 KB): every block is plain, so every block goes
    the fast path, with the right line numbers (a block is loaded once the next one is read, so
    the file's line count is ahead of it by then)."""
    monkeypatch.setattr(ingest, "BLOCK_BYTES", 4096)
    monkeypatch.setattr(ingest, "_READ_BYTES", 1000)
    header = f"{FIELDS} start end action log-status".split()
    lines = [f"{WEB.replace('49152', str(40000 + j))} ACCEPT OK".encode() for j in range(500)]
    for zipped in (False, True):
        fast, slow, taken = both_ways(write(tmp_path, lines, header, zipped))
        assert fast == slow
        assert sum(taken) == 500 and len(taken) > 10, taken
        assert [row[5] for row in fast["flows"]] == list(range(40000, 40500))  # srcport


@settings(max_examples=300, deadline=None)  # no database: about a millisecond an example
@given(
    lines=st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=60),
    sizes=st.lists(st.integers(min_value=0, max_value=150), min_size=1, max_size=20),
)
def test_blocks_hold_every_line_once_wherever_the_chunks_end(
    lines: list[bytes], sizes: list[int]
) -> None:
    """_line_blocks cuts the decompressed chunks into blocks at a '\\n' of the last chunk that has
    one (a chunk may end anywhere, hold no '\\n' at all, or be empty): the blocks, in order, are
    the file's lines (after a byte-order mark), each once, numbered from 1 and counted right.
    Blocks of at least 64 bytes here, longer than every line, so none is quarantined as too
    long."""
    data = b"\n".join(lines)
    chunks, at = [], 0
    sizes = sizes if any(sizes) else [*sizes, 1]
    while at < len(data):  # chunks of the sizes drawn, over and over (0: an empty chunk)
        for size in sizes:
            chunks.append(data[at : at + size])
            at += size
    stats = ingest._FileStats("f", "text")
    with mock.patch.object(ingest, "BLOCK_BYTES", 64):
        blocks = list(ingest._line_blocks(iter(chunks), None, stats))  # type: ignore[arg-type]
    got = [line for block in blocks for line in block.text.split(b"\n")]
    text = data.removeprefix(codecs.BOM_UTF8)  # a byte-order mark at the start is dropped
    expected = text.removesuffix(b"\n").split(b"\n") if text else []
    assert got == expected
    firsts = [1 + sum(b.count for b in blocks[:i]) for i in range(len(blocks))]
    assert [b.first for b in blocks] == firsts
    assert all(b.count == b.text.count(b"\n") + 1 for b in blocks)
    assert stats.lines_read == len(expected)


CHECKED = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start"
    " end action log-status tcp-flags traffic-path pkt-srcaddr pkt-dstaddr flow-direction"
)
CHECKED_GOOD = dict(
    zip(
        CHECKED.split(),
        (
            "5 123456789010 eni-0a1b2c3d 198.51.100.7 192.0.2.10 49152 443 6 10 840 1700000000"
            " 1700000060 ACCEPT OK 2 1 198.51.100.7 192.0.2.10 ingress"
        ).split(),
        strict=True,
    )
)


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("version", "2147483648", "out of range: version"),
        ("srcport", "65536", "out of range: srcport"),
        ("dstport", "65536", "out of range: dstport"),
        ("protocol", "256", "out of range: protocol"),
        ("packets", "9223372036854775808", "out of range: packets"),
        ("bytes", "9223372036854775808", "out of range: bytes"),
        ("start", "253402300800000", "out of range: start"),
        ("end", "253402300800000", "out of range: end"),
        ("tcp-flags", "65536", "out of range: tcp-flags"),
        ("traffic-path", "2147483648", "out of range: traffic-path"),
        ("srcaddr", "198.51.100.256", "not an IP address: srcaddr"),
        ("dstaddr", "2001:db8::g", "not an IP address: dstaddr"),
        ("pkt-srcaddr", "198.51.100", "not an IP address: pkt-srcaddr"),
        ("pkt-dstaddr", "2001:db8:::1", "not an IP address: pkt-dstaddr"),
        ("action", "ALLOW", "unknown action"),
        ("log-status", "FINE", "unknown log-status"),
        ("flow-direction", "inbound", "unknown flow-direction"),
    ],
)
def test_every_check_catches_its_value_on_the_fast_path(
    tmp_path: Path, field: str, value: str, reason: str
) -> None:
    """convert.sql tests every good row against one condition made of all the checks and writes a
    message only for the rows that fail it: a value that one check alone rejects, in an
    otherwise plain line, must still be quarantined with that check's reason."""
    good = " ".join(CHECKED_GOOD.values())
    bad = " ".join(value if name == field else v for name, v in CHECKED_GOOD.items())
    path = tmp_path / "log.txt"
    path.write_text(f"{CHECKED}\n{good}\n{bad}\n{good}\n")
    with fast_path(True) as taken:
        got = tables(path)
    assert taken == [3]
    assert [row[:3] for row in got["malformed"]] == [(str(path), 3, reason)]
    assert len(got["flows"]) == 2
