"""Parquet rows are judged exactly as before the two shortcuts the Parquet path takes for speed:

- ``ints_plain``: a row whose integer fields are all at least 0 (integer columns) or ASCII digits
  (text columns) is marked plain, so convert.sql checks only the range. Each case is loaded twice,
  with the mark and with it NULL ("not looked at": every value goes through the full check), and
  must give the same ``flows``, ``malformed`` and ``files``; a spy checks that some rows were
  really marked, so that the comparison is not of the full check with itself.
- Batching: Parquet rows of several files are filed together, per format and column types, in
  batches of at least PARQUET_BATCH_ROWS rows (the last one of a load smaller), not one SQL run
  per file.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_ingest_fast_path import files_tables as tables
from test_ingest_properties import FEW_EXAMPLES

import flowsg
from flowsg import ingest

INT_FIELDS = (
    *("version", "srcport", "dstport", "protocol", "packets", "bytes"),
    *("start", "end", "tcp_flags", "traffic_path"),
)
INT_TYPES = [
    pa.int8(), pa.int16(), pa.int32(), pa.int64(),
    pa.uint8(), pa.uint16(), pa.uint32(), pa.uint64(),
]  # fmt: skip
EDGES = (0, 1, 6, 255, 256, 65535, 65536, 2**31 - 1, 2**32, 2**32 + 1, 2**63 - 1, 2**64 - 1)
TEXT_INTS = ("0", "007", "-1", "+1", "1.5", " 1", "\u0663", "65536", "-", "", "1e3")
TEXT_INTS += ("99999999999999999999", "4294967297", "253402300799999", "253402300800000")


@st.composite
def int_column(draw: st.DrawFn, n: int) -> pa.Array[Any]:
    """n values of one integer field: an integer column of any width, or text."""
    if draw(st.booleans()):
        t = draw(st.sampled_from(INT_TYPES))
        lo = -(2 ** (t.bit_width - 1)) if pa.types.is_signed_integer(t) else 0
        hi = 2 ** (t.bit_width - (1 if pa.types.is_signed_integer(t) else 0)) - 1
        edges = [v for v in EDGES if lo <= v <= hi] + [lo, hi, -1 if lo < 0 else 0]
        value = st.none() | st.sampled_from(edges) | st.integers(lo, hi)
        return pa.array([draw(value) for _ in range(n)], t)
    value = st.none() | st.sampled_from(TEXT_INTS) | st.integers(0, 2**70).map(str)
    return pa.array([draw(value) for _ in range(n)], pa.string())


@st.composite
def parquet_tables(draw: st.DrawFn) -> pa.Table:
    n = draw(st.integers(1, 12))
    names = draw(st.lists(st.sampled_from(INT_FIELDS), min_size=1, max_size=6, unique=True))
    columns: dict[str, pa.Array[Any]] = {name: draw(int_column(n)) for name in names}
    columns["srcaddr"] = pa.array(["198.51.100.7"] * n)
    columns["action"] = pa.array([draw(st.sampled_from(["ACCEPT", "REJECT"])) for _ in range(n)])
    columns["log_status"] = pa.array(["OK"] * n)
    return pa.table(columns)


@contextmanager
def plain_marks(enabled: bool) -> Iterator[list[int]]:
    """Within: ints_plain computed (True) or NULL throughout; yields how many rows were marked."""
    original = ingest._ints_plain
    marked: list[int] = []

    def spy(columns: list[Any], n: int) -> Any:
        if not enabled:
            return pa.nulls(n, pa.bool_())
        plain = original(columns, n)
        marked.append(plain.true_count)
        return plain

    with mock.patch.object(ingest, "_ints_plain", spy):
        yield marked


@settings(max_examples=FEW_EXAMPLES * 3)
@given(table=parquet_tables())
def test_plain_integers_are_judged_as_by_the_full_check(table: pa.Table) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "flows.parquet"
        pq.write_table(table, path)
        with plain_marks(True) as marked:
            fast = tables([path])
        with plain_marks(False):
            slow = tables([path])
    assert fast == slow
    assert marked, "the Parquet path did not compute ints_plain"


def test_marks_and_the_full_check_agree_on_every_edge(tmp_path: Path) -> None:
    """Not left to chance: every edge value of every integer width in every integer field."""
    paths = []
    for t in INT_TYPES:
        lo = -(2 ** (t.bit_width - 1)) if pa.types.is_signed_integer(t) else 0
        hi = 2 ** (t.bit_width - (1 if pa.types.is_signed_integer(t) else 0)) - 1
        values = sorted({v for v in (*EDGES, lo, hi, -1) if lo <= v <= hi})
        n = len(values)
        columns = {name: pa.array(values, t) for name in INT_FIELDS}
        columns["action"] = pa.array(["ACCEPT"] * n)
        columns["log_status"] = pa.array(["OK"] * n)
        paths.append(tmp_path / f"{t}.parquet")
        pq.write_table(pa.table(columns), paths[-1])
    text = {name: pa.array(list(TEXT_INTS)) for name in INT_FIELDS}
    text["action"] = pa.array(["ACCEPT"] * len(TEXT_INTS))
    paths.append(tmp_path / "text.parquet")
    pq.write_table(pa.table(text), paths[-1])
    with plain_marks(True) as marked:
        fast = tables(paths)
    with plain_marks(False):
        slow = tables(paths)
    assert fast == slow
    assert sum(marked) > 0
    assert len(fast["flows"]) > 0 and len(fast["malformed"]) > 0  # both outcomes are exercised
    reasons = {row[2] for row in fast["malformed"]}
    assert "out of range: srcport" in reasons and "not an integer: version" in reasons


def test_rows_of_several_files_are_filed_in_one_batch_per_column_types(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three files with srcport as an integer column (one of them read in two row batches) and
    one with srcport as text, with batches of 4 rows: the first batch is a's first 4 rows, the
    second the rest of a, b and d (5 rows), the third c; every row lands where it belongs."""
    monkeypatch.setattr(ingest, "PARQUET_BATCH_ROWS", 4)
    filed: list[int] = []
    original = ingest._Batches.file_fields

    def spy(self: Any, fields: pa.Table, params: dict[str, Any], malformed: str) -> None:
        filed.append(fields.num_rows)
        original(self, fields, params, malformed)

    monkeypatch.setattr(ingest._Batches, "file_fields", spy)

    def write(name: str, ports: pa.Array[Any]) -> Path:
        n = len(ports)
        table = pa.table(
            {
                "srcaddr": pa.array(["192.0.2.1"] * n),
                "srcport": ports,
                "action": pa.array(["ACCEPT"] * n),
            }
        )
        pq.write_table(table, tmp_path / name)
        return tmp_path / name

    paths = [
        write("a.parquet", pa.array([1, 2, 3, 4, 5, 6], pa.int32())),
        write("b.parquet", pa.array([7], pa.int64())),
        write("c.parquet", pa.array(["8", "x", None], pa.string())),
        write("d.parquet", pa.array([-9, 10], pa.int16())),
    ]
    con = flowsg.connect(":memory:")
    flowsg.load(con, paths)
    flows = con.execute("SELECT source_file, line_number, srcport FROM flows").fetchall()
    malformed = con.execute("SELECT source_file, line_number, reason FROM malformed").fetchall()
    con.close()
    assert filed == [4, 5, 3]
    assert sorted((Path(f).name, line, port) for f, line, port in flows) == [
        *[("a.parquet", i, i) for i in range(1, 7)],
        ("b.parquet", 1, 7),
        ("c.parquet", 1, 8),
        ("c.parquet", 3, None),
        ("d.parquet", 2, 10),
    ]
    assert sorted((Path(f).name, line, reason) for f, line, reason in malformed) == [
        ("c.parquet", 2, "not an integer: srcport"),
        ("d.parquet", 1, "out of range: srcport"),
    ]
