"""Fuzzing the two readers of hostile input, the flow-log loader and the snapshot loader, through
the real `flowsg` command (click's runner, real DuckDB, real files).

Flow logs: records mutated with what the internet and broken deliveries produce (NUL bytes,
invalid UTF-8, 1 MB lines, 10,000 fields, negative and huge numbers, IPv4-mapped IPv6, zoned
addresses, JSON wrappers with the wrong type at every key, deeply nested JSON, header lines),
written as plain text, gzip (whole, truncated, with a corrupted byte, several members, trailing
garbage) or Parquet (every column type, wrong ones included, unknown and repeated columns,
truncated files). Snapshots: the sample's JSON with the wrong type put at random keys, deeply
nested values, lone surrogates, broken files.

The invariant, every example: no exception escapes (never exit 70, never a traceback), every
line read is exactly one of a header, a row of `flows` or a row of `malformed` (headers + records
+ malformed = lines read, and for text the lines read are the physical lines), and the exit code
is the documented one (`load --strict`: 0 clean, 1 something quarantined, 3 nothing readable;
`analyze` with a broken snapshot: 0, or 4 when no security group is left).

`make test` runs FLOWSG_FUZZ_EXAMPLES examples per property (default 20, about half a minute in
all); set it higher for a longer hunt, e.g. `FLOWSG_FUZZ_EXAMPLES=2000 make pytest`. The inputs
that crashed flowsg along the way are the explicit regression tests at the end.
"""

from __future__ import annotations

import codecs
import copy
import gzip
import io
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn

import flowsg
from flowsg.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs"
EXAMPLES = int(os.environ.get("FLOWSG_FUZZ_EXAMPLES", "20"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

HEADER = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes"
    " start end action log-status"
)
FIELDS = HEADER.split()
RECORD = [
    "2", "111122223333", "eni-0a1b2c3d4e5f60718", "203.0.113.10", "198.51.100.20", "49152",
    "443", "6", "10", "840", "1762074000", "1762074060", "ACCEPT", "OK",
]  # fmt: skip

HOSTILE_TOKENS = [
    "-1", "-0", "0", "00", "65536", "4294967296", "9223372036854775807", "9223372036854775808",
    "18446744073709551616", "9" * 40, "-" + "9" * 30, "1e3", "0x10", "1.5", "+1",
    "::ffff:203.0.113.10", "::ffff:0:203.0.113.10", "fe80::1%eth0", "fe80::1%25eth0",
    "203.0.113.10%1", "2001:db8::1", "::", "01.2.3.4", "1.2.3.256", "[::1]",
    "ACCEPT", "REJECT", "accept", "NODATA", "SKIPDATA", "ok", "-", "", "'", '"', ";", "--",
    "/*", "\\", "{", "}", "\x00", "\ufffd", "\u00a0", "\u2028", "\U0001f600", "253402300799999",
    "253402300800000",
]  # fmt: skip

_BIG_LINE = ("x" * (1 << 20)).encode()
_MANY_FIELDS = " ".join(["1"] * 10_000).encode()
_DEEP_JSON = ('{"message": ' + "[" * 20_000 + "]" * 20_000 + "}").encode()
_DEEP_OBJECT = ('{"message": "x", "a": ' + '{"b": ' * 5_000 + "1" + "}" * 5_000 + "}").encode()
SPECIAL_LINES = [
    _BIG_LINE,
    _MANY_FIELDS,
    _DEEP_JSON,
    _DEEP_OBJECT,
    b"\xff\xfe\xfd",
    b"\xc3\x28 2 x",
    b"\xed\xa0\x80",  # a surrogate, UTF-8 encoded: not UTF-8
    b"\x00" * 20,
    b"",
    b"\r",
    b" \t ",
    HEADER.encode(),
    b"version version srcaddr",
    b"srcaddr nosuchfield dstaddr",
    b"version tgw-id resource-type",
    ("2026-11-02T11:00:03.000Z " + " ".join(RECORD)).encode(),
]

JSON_WRONG = st.sampled_from(
    [None, True, 0, -1, 2**64, 1.5, "", [], {}, ["x"], {"message": "x"}, [[[[]]]]]
)


@st.composite
def json_line(draw: DrawFn) -> bytes:
    """A JSON-wrapped record (CloudWatch, Firehose) with the wrong type at some key."""
    doc: dict[str, Any] = {"id": "1", "timestamp": 1762074000000, "message": " ".join(RECORD)}
    for key in draw(st.lists(st.sampled_from(["id", "timestamp", "message", "extra"]))):
        doc[key] = draw(JSON_WRONG | st.text(max_size=8))
    if draw(st.booleans()):
        del doc["message"]
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()))
    if draw(st.integers(0, 4)) == 0:
        text = text[: draw(st.integers(0, len(text)))]  # cut short
    return text.encode("utf-8", "surrogatepass")


@st.composite
def record_line(draw: DrawFn) -> bytes:
    """A record of the default format with some tokens replaced, dropped or added."""
    tokens = list(RECORD)
    for _ in range(draw(st.integers(0, 3))):
        i = draw(st.integers(0, len(tokens) - 1)) if tokens else 0
        edit = draw(st.sampled_from(["replace", "drop", "add"]))
        value = draw(st.sampled_from(HOSTILE_TOKENS) | st.text(max_size=6))
        if edit == "replace" and tokens:
            tokens[i] = value
        elif edit == "drop" and tokens:
            del tokens[i]
        else:
            tokens.insert(i, value)
    sep = draw(st.sampled_from([" ", " ", "  ", "\t"]))
    return sep.join(tokens).replace("\n", " ").encode("utf-8", "surrogatepass")


lines = st.one_of(
    record_line(),
    record_line(),
    json_line(),
    st.sampled_from(SPECIAL_LINES),
    st.binary(max_size=40).map(lambda b: b.replace(b"\n", b" ")),
)


@st.composite
def text_file(draw: DrawFn) -> bytes:
    body = draw(st.lists(lines, max_size=10))
    data = b"\n".join(body) + (b"\n" if body and draw(st.booleans()) else b"")
    if draw(st.integers(0, 5)) == 0:
        data = codecs.BOM_UTF8 + data
    if data.startswith((b"PAR1", b"\x1f\x8b")):
        data = b" " + data
    return data


def physical_lines(data: bytes) -> int:
    data = data.removeprefix(codecs.BOM_UTF8)
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


@st.composite
def gzip_file(draw: DrawFn) -> tuple[bytes, int | None]:
    """Gzip of a text file, perhaps damaged; with the physical lines when it is intact."""
    text = draw(text_file())
    data = gzip.compress(text, compresslevel=draw(st.integers(1, 9)))
    damage = draw(st.sampled_from(["none", "truncate", "flip", "members", "trailing", "padding"]))
    if damage == "truncate":
        return data[: draw(st.integers(0, len(data) - 1))], None
    if damage == "flip":
        i = draw(st.integers(0, len(data) - 1))
        data = data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]
        return data, None
    if damage == "members":
        cut = draw(st.integers(0, len(text)))
        return gzip.compress(text[:cut]) + gzip.compress(text[cut:]), physical_lines(text)
    if damage == "trailing":
        return data + draw(st.binary(min_size=1, max_size=20)), None
    if damage == "padding":
        return data + b"\x00" * draw(st.integers(1, 64)), physical_lines(text)
    return data, physical_lines(text)


PARQUET_TYPES = [
    pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint8(), pa.uint16(), pa.uint32(),
    pa.uint64(), pa.float32(), pa.float64(), pa.bool_(), pa.string(), pa.large_string(),
    pa.binary(), pa.null(), pa.timestamp("s"), pa.date32(), pa.decimal128(20, 0),
    pa.list_(pa.int32()), pa.struct([("a", pa.int32())]),
]  # fmt: skip
COLUMNS = [f.replace("-", "_") for f in FIELDS] + ["flow_direction", "pkt_srcaddr", "tgw_id"]


def parquet_value(draw: DrawFn, t: pa.DataType) -> Any:
    if pa.types.is_null(t):
        return None
    if pa.types.is_integer(t):
        info = (t.bit_width, pa.types.is_signed_integer(t))
        lo, hi = (
            (-(2 ** (info[0] - 1)), 2 ** (info[0] - 1) - 1) if info[1] else (0, 2 ** info[0] - 1)
        )
        return draw(st.integers(lo, hi) | st.sampled_from([lo, hi, 0]))
    if pa.types.is_floating(t):
        return draw(st.floats(allow_nan=True, allow_infinity=True, width=32))
    if pa.types.is_boolean(t):
        return draw(st.booleans())
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return draw(st.sampled_from(HOSTILE_TOKENS + RECORD) | st.text(max_size=8))
    if pa.types.is_binary(t):
        return draw(st.binary(max_size=8))
    if pa.types.is_timestamp(t):
        return draw(st.integers(0, 2**33))
    if pa.types.is_date(t):
        return draw(st.integers(0, 100_000))
    if pa.types.is_decimal(t):
        import decimal

        return decimal.Decimal(draw(st.integers(-(10**19), 10**19)))
    if pa.types.is_list(t):
        return draw(st.lists(st.integers(-(2**31), 2**31 - 1), max_size=2))
    return {"a": draw(st.integers(-(2**31), 2**31 - 1))}


@st.composite
def parquet_file(draw: DrawFn) -> tuple[bytes, int | None]:
    """A Parquet file of random known (and unknown, and repeated) columns of any type; with its
    rows when it is intact."""
    names = draw(st.lists(st.sampled_from([*COLUMNS, "zzz"]), min_size=1, max_size=6))
    n = draw(st.integers(0, 6))
    arrays = []
    for _ in names:
        t = draw(st.sampled_from(PARQUET_TYPES))
        values = [
            None if draw(st.integers(0, 6)) == 0 else parquet_value(draw, t) for _ in range(n)
        ]
        arrays.append(pa.array(values, t))
    table = pa.Table.from_arrays(arrays, names=names)
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    data = buffer.getvalue()
    if draw(st.integers(0, 4)) == 0:
        return data[: draw(st.integers(4, len(data) - 1))], None
    return data, n


@contextmanager
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


def load_and_check(folder: Path, files: dict[str, bytes], expected_lines: dict[str, int]) -> None:
    """`flowsg load --strict` of the files; the exit code, stderr and the accounting."""
    paths = []
    for name, data in files.items():
        (folder / name).write_bytes(data)
        paths.append(str(folder / name))
    db = str(folder / "f.duckdb")
    result = CliRunner().invoke(cli, ["load", *paths, "--db", db, "--strict"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.stderr
    assert result.exit_code in (0, 1, 3), result.stderr
    errors = result.stderr.strip().splitlines()
    assert len(errors) == (0 if result.exit_code == 0 else 1), result.stderr
    with duckdb.connect(db, read_only=True) as con:
        rows = con.execute(
            "SELECT source_file, file_type, lines_read, headers, records, malformed, error "
            "FROM files"
        ).fetchall()
        assert sorted(r[0] for r in rows) == sorted(paths)
        quarantined = con.execute("SELECT count(*) FROM malformed").fetchall()[0][0]
        readable = 0
        for path, file_type, read, headers, records, malformed, error in rows:
            assert read == headers + records + malformed, (path, read, headers, records, malformed)
            flows = con.execute(
                "SELECT count(*), count(DISTINCT line_number) FROM flows WHERE source_file = ?",
                [path],
            ).fetchall()[0]
            assert flows == (records, records)
            lines = con.execute(
                "SELECT count(*), count(DISTINCT line_number) FROM malformed"
                " WHERE source_file = ? AND line_number IS NOT NULL",
                [path],
            ).fetchall()[0]
            assert lines == (malformed, malformed)
            overlap = con.execute(
                "SELECT count(*) FROM flows f JOIN malformed m USING (source_file, line_number)"
                " WHERE source_file = ?",
                [path],
            ).fetchall()[0][0]
            assert overlap == 0  # a line is a record or quarantined, never both
            name = Path(path).name
            if name in expected_lines:
                assert error is None, error
                assert read == expected_lines[name], (name, read, expected_lines[name])
            if file_type != "unreadable" and (error is None or read > 0):
                readable += 1
    expected_code = 3 if readable == 0 else (1 if quarantined else 0)
    assert result.exit_code == expected_code, (result.exit_code, expected_code, result.stderr)


@FUZZ
@given(files=st.lists(text_file(), min_size=1, max_size=3))
def test_fuzz_text(files: list[bytes]) -> None:
    with scratch() as folder:
        named = {f"t{i}.log": data for i, data in enumerate(files)}
        load_and_check(folder, named, {n: physical_lines(d) for n, d in named.items()})


@FUZZ
@given(files=st.lists(gzip_file(), min_size=1, max_size=3))
def test_fuzz_gzip(files: list[tuple[bytes, int | None]]) -> None:
    with scratch() as folder:
        named = {f"g{i}.log.gz": data for i, (data, _) in enumerate(files)}
        expected = {f"g{i}.log.gz": n for i, (_, n) in enumerate(files) if n is not None}
        load_and_check(folder, named, expected)


@FUZZ
@given(files=st.lists(parquet_file(), min_size=1, max_size=3))
def test_fuzz_parquet(files: list[tuple[bytes, int | None]]) -> None:
    with scratch() as folder:
        named = {f"p{i}.log.parquet": data for i, (data, _) in enumerate(files)}
        load_and_check(folder, named, {})


@FUZZ
@given(
    text=text_file(),
    gz=gzip_file(),
    parquet=parquet_file(),
    garbage=st.binary(max_size=64),
)
def test_fuzz_mixed_folder(
    text: bytes, gz: tuple[bytes, int | None], parquet: tuple[bytes, int | None], garbage: bytes
) -> None:
    """A folder of every kind at once (a file may be read fine and its neighbour be rubbish)."""
    with scratch() as folder:
        named = {"a.log": text, "b.log.gz": gz[0], "c.log.parquet": parquet[0], "d.bin": garbage}
        load_and_check(folder, named, {"a.log": physical_lines(text)})


# --- the snapshot ---------------------------------------------------------------------------


def sample_snapshot() -> dict[str, Any]:
    return {
        p.name: json.loads(p.read_text(encoding="utf-8"))
        for p in sorted((SAMPLE / "snapshot").glob("*.json"))
    }


SNAPSHOT = sample_snapshot()


def json_paths(doc: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from json_paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from json_paths(value, (*prefix, i))


PATHS = {name: list(json_paths(doc)) for name, doc in SNAPSHOT.items()}
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
    st.sampled_from(
        ["tcp", "-1", "65536", "10.0.0.0/8", "1.2.3.4/33", "fe80::1%eth0/64", "::ffff:1.2.3.4",
         "sg-0749b639bc172ea15", "pl-63a5400a", "\ud800", "\x00", "0.0.0.0/0", "::/0"]
    ),
)  # fmt: skip
WRONG = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
    st.sampled_from(["GroupId", "IpProtocol", "FromPort", "CidrIpv4", "Key", "Value", "x"]),
    inner, max_size=3), max_leaves=8)  # fmt: skip


@st.composite
def broken_snapshot(draw: DrawFn) -> dict[str, bytes]:
    """The sample snapshot with wrong values at random keys, and some files replaced whole."""
    files: dict[str, bytes] = {}
    for name, doc in SNAPSHOT.items():
        doc = copy.deepcopy(doc)
        for _ in range(draw(st.integers(0, 3))):
            path = draw(st.sampled_from(PATHS[name]))
            value = draw(WRONG)
            if not path:
                doc = value
                break
            try:
                parent = doc
                for key in path[:-1]:
                    parent = parent[key]
                parent[path[-1]] = value
            except (KeyError, IndexError, TypeError):
                continue  # an earlier edit removed this path
        text = json.dumps(doc, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
        whole = draw(st.integers(0, 12))
        if whole == 0:
            text = text[: draw(st.integers(0, len(text)))]
        elif whole == 1:
            text = b'{"SecurityGroups": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
        elif whole == 2:
            text = draw(st.binary(max_size=30))
        files[name] = text
    if draw(st.booleans()):
        files["manifest.json"] = json.dumps(
            {"taken_at": draw(st.sampled_from(["0001-01-01T00:00:00+01:00", "x", 5, None]))}
        ).encode()
    return files


@FUZZ
@given(files=broken_snapshot())
def test_fuzz_snapshot(files: dict[str, bytes]) -> None:
    """`flowsg analyze` with a broken snapshot: 0, or 4 when no security group is left; and the
    library says the same (load_snapshot returns, or raises SnapshotError)."""
    with scratch() as folder:
        snapshot = folder / "snap"
        snapshot.mkdir()
        for name, data in files.items():
            (snapshot / name).write_bytes(data)
        log = folder / "a.log"
        log.write_text(HEADER + "\n" + " ".join(RECORD) + "\n")
        con = flowsg.connect(":memory:")
        try:
            result = flowsg.load_snapshot(con, snapshot)
        except flowsg.SnapshotError:
            expected = 4
        else:
            expected = 0
            assert result.groups > 0
            got = {r[0] for r in con.execute("SELECT source_file FROM snapshot_files").fetchall()}
            assert got == {str(snapshot / name) for name in files}
        finally:
            con.close()
        run = CliRunner().invoke(
            cli, ["analyze", str(log), "--snapshot", str(snapshot), "--db", ":memory:"]
        )
        assert run.exit_code == expected, run.output
        assert "Traceback" not in run.stderr
        if expected == 0:
            assert "Analyzed 1 record(s)" in run.stdout
        else:
            assert len(run.stderr.strip().splitlines()) == 1


# --- regressions: inputs that crashed flowsg, found by the fuzzing above --------------------


def _load(tmp_path: Path, name: str, data: bytes) -> tuple[int, list[tuple[Any, ...]]]:
    path = tmp_path / name
    path.write_bytes(data)
    db = str(tmp_path / "f.duckdb")
    result = CliRunner().invoke(cli, ["load", str(path), "--db", db])
    assert "Traceback" not in result.stderr
    with duckdb.connect(db, read_only=True) as con:
        reasons = con.execute("SELECT line_number, reason FROM malformed ORDER BY 1").fetchall()
    return result.exit_code, reasons


def _parquet(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def test_regression_parquet_column_given_twice(tmp_path: Path) -> None:
    """KeyError from pyarrow's schema.field (exit 70); now the file is unreadable, saying why."""
    table = pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["srcport", "srcport"])
    code, reasons = _load(tmp_path, "dup.parquet", _parquet(table))
    assert code == 3
    assert reasons == [(None, "unreadable: Parquet columns given twice: srcport")]


def test_regression_uint64_above_bigint_quarantines_the_row_only(tmp_path: Path) -> None:
    """A cast error made the whole file unreadable; now only that row is out of range."""
    table = pa.table({"packets": pa.array([2**64 - 1, 5], pa.uint64()), "action": ["ACCEPT"] * 2})
    code, reasons = _load(tmp_path, "u64.parquet", _parquet(table))
    assert code == 0
    assert reasons == [(1, "out of range: packets")]


@pytest.mark.parametrize("start", ["9223372036854775807", "253402300800000"])
def test_regression_start_beyond_the_year_9999_is_out_of_range(tmp_path: Path, start: str) -> None:
    """It loaded, then the summary (and analyze, report rules/html/graph) crashed converting it to
    a date (year 292278994 is out of range)."""
    record = list(RECORD)
    record[10] = record[11] = start
    code, reasons = _load(tmp_path, "t.log", (" ".join(record) + "\n").encode())
    assert code == 0
    assert reasons == [(1, "out of range: start")]


def test_regression_times_at_the_edges_of_the_calendar(tmp_path: Path) -> None:
    """Records in 1970 and in the last millisecond of 9999: every report, the HTML page (whose
    timeline had a bucket ending in the year 10000, and a row for each of 2.9 million days)
    and a manifest far from both."""
    first, last = list(RECORD), list(RECORD)
    first[10] = first[11] = "0"
    last[10] = last[11] = "253402300799999"
    log = tmp_path / "edges.log"
    log.write_text(" ".join(first) + "\n" + " ".join(last) + "\n")
    snapshot = tmp_path / "snap"
    snapshot.mkdir()
    for p in (SAMPLE / "snapshot").glob("*.json"):
        (snapshot / p.name).write_bytes(p.read_bytes())
    (snapshot / "manifest.json").write_text('{"taken_at": "2026-11-02T12:00:00Z"}')
    db = str(tmp_path / "f.duckdb")
    runner = CliRunner()
    analyzed = runner.invoke(cli, ["analyze", str(log), "--snapshot", str(snapshot), "--db", db,
                                   "--out", str(tmp_path / "out")])  # fmt: skip
    assert analyzed.exit_code == 0, analyzed.output
    assert "9999-12-31 23:59:59" in analyzed.stdout
    html = ["report", "html", "--out", str(tmp_path / "r.html")]
    for args in (["report", "rules"], ["report", "rejects"], ["report", "graph"], html):
        result = runner.invoke(cli, [*args, "--db", db])
        assert result.exit_code == 0, (args, result.output)
    assert (tmp_path / "r.html").stat().st_size < 2_000_000


@pytest.mark.parametrize(
    "taken_at", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00Z"]
)
def test_regression_manifest_time_at_the_edge_of_the_calendar(
    tmp_path: Path, taken_at: str
) -> None:
    """OverflowError (exit 70) moving it to UTC or adding a day's tolerance to it."""
    snapshot = tmp_path / "snap"
    snapshot.mkdir()
    for p in (SAMPLE / "snapshot").glob("*.json"):
        (snapshot / p.name).write_bytes(p.read_bytes())
    (snapshot / "manifest.json").write_text(json.dumps({"taken_at": taken_at}))
    log = tmp_path / "a.log"
    log.write_text(HEADER + "\n" + " ".join(RECORD) + "\n")
    result = CliRunner().invoke(
        cli, ["analyze", str(log), "--snapshot", str(snapshot), "--db", ":memory:"]
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.stderr


def test_regression_lone_surrogate_in_snapshot_json(tmp_path: Path) -> None:
    """JSON allows "\\ud800"; it is no character, and pyarrow could not encode it (exit 70)."""
    snapshot = tmp_path / "snap"
    snapshot.mkdir()
    for p in (SAMPLE / "snapshot").glob("*.json"):
        (snapshot / p.name).write_bytes(p.read_bytes())
    groups = json.loads((snapshot / "describe-security-groups.json").read_text())
    groups["SecurityGroups"][0]["Description"] = "\ud800 lone \udfff"
    (snapshot / "describe-security-groups.json").write_text(json.dumps(groups))
    con = flowsg.connect(":memory:")
    flowsg.load_snapshot(con, snapshot)
    descriptions = [r[0] for r in con.execute("SELECT description FROM security_groups").fetchall()]
    assert "\ufffd lone \ufffd" in descriptions
    con.close()


def test_regression_byte_order_mark_split_across_gzip_members(tmp_path: Path) -> None:
    """The mark was dropped only when it came whole in the first decompressed piece: split across
    two gzip members it became a line of its own (found by test_fuzz_gzip)."""
    bom = codecs.BOM_UTF8
    record = (" ".join(RECORD) + "\n").encode()
    data = gzip.compress(bom[:1]) + gzip.compress(bom[1:2]) + gzip.compress(bom[2:] + record)
    code, reasons = _load(tmp_path, "split.log.gz", data)
    assert (code, reasons) == (0, [])
    with duckdb.connect(str(tmp_path / "f.duckdb"), read_only=True) as con:
        assert con.execute("SELECT lines_read, records FROM files").fetchall() == [(1, 1)]


def test_regression_gzip_member_starting_at_a_read_boundary(tmp_path: Path) -> None:
    """When a member ended exactly at the end of a 1 MiB read, the members after it were silently
    never read (found while bounding the inflated chunks). Here the first member is exactly
    1 MiB of stored (level 0) records, the second one more record."""
    line = (" ".join(RECORD) + "\n").encode()
    size = 1 << 20
    body = line * (size // len(line) + 1)
    for n in range(size - 400, size):  # the text whose stored member is exactly 1 MiB
        first = gzip.compress(body[:n], compresslevel=0, mtime=0)
        if len(first) == size:
            break
    assert len(first) == size
    text = body[:n]
    cut = text.rfind(b"\n") + 1  # the first member ends with a partial line: its rest follows
    data = first + gzip.compress(line[len(text) - cut :], mtime=0)
    expected = text[:cut].count(b"\n") + 1
    code, reasons = _load(tmp_path, "boundary.log.gz", data)
    assert (code, reasons) == (0, [])
    with duckdb.connect(str(tmp_path / "f.duckdb"), read_only=True) as con:
        assert con.execute("SELECT lines_read, records FROM files").fetchall() == [
            (expected, expected)
        ]


def test_regression_a_fifo_in_the_snapshot_folder_does_not_block(tmp_path: Path) -> None:
    """open() of a named pipe waits for a writer: `flowsg analyze` hung for ever. It is now
    skipped as not a regular file, as the flow-log walk already did."""
    snapshot = tmp_path / "snap"
    snapshot.mkdir()
    for p in (SAMPLE / "snapshot").glob("*.json"):
        (snapshot / p.name).write_bytes(p.read_bytes())
    os.mkfifo(snapshot / "pipe.json")
    log = tmp_path / "a.log"
    log.write_text(HEADER + "\n" + " ".join(RECORD) + "\n")
    db = tmp_path / "f.duckdb"
    script = "from flowsg.cli import entry_point; entry_point()"
    args = ["analyze", str(log), "--snapshot", str(snapshot), "--db", str(db)]
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT error FROM snapshot_files WHERE source_file LIKE '%pipe.json'")
        assert rows.fetchall() == [("unreadable: not a regular file",)]
