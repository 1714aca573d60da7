"""Property tests of ``flowsg.load`` against a small reference reader of the flow-log rules.

The reference (``reference_row`` and ``parse_line`` below) is written from the rules, not from the
loader's SQL: a text line is a record when it splits on runs of spaces into exactly one token per
field of the format in force (the header line's, else the default or ``log_format``); '-' is NULL;
integers are plain ASCII digits within their range (ports <= 65535, protocol <= 255, ...);
start/end above 2**32 are milliseconds and become seconds (// 1000); action, log-status and
flow-direction take their listed values; addresses are what Python's ``ipaddress`` accepts,
without zone ids. Documented extras the reference also models: trailing CRs are dropped; a line of
more than MAX_LINE_BYTES bytes, invalid UTF-8, NUL or U+FFFD, or only spaces, tabs and CRs
is quarantined; a UTF-8 byte-order mark at the start of a file is dropped; a line holding a JSON
object is replaced by its "message" string; a leading RFC 3339 timestamp token is dropped when the
line has one token more than the format.

Properties:

(a) valid records in random formats (any subset of the known fields, in any order, NODATA-style
    '-' values included) load back to exactly the same values from plain text with a header,
    gzip with a header, S3-schema Parquet, a headerless file in the default format and a
    headerless file read with ``log_format`` in AWS's ``${...}`` syntax;
(b) garbage lines among valid records never crash a load; every line is a header, a row of
    ``flows`` at its line number with the reference's values, or a row of ``malformed``, exactly as
    the reference says; headers + records + malformed = physical lines, per file;
(c) millisecond start/end become seconds, in text and in Parquet;
(d) ``append=True`` adds to the tables; a plain load replaces them;
plus focused checks of single rules (token splitting, text values, integer tokens, JSON) that give
small reproductions when they fail.
"""

from __future__ import annotations

import codecs
import gzip
import ipaddress
import json
import re
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

import flowsg
from flowsg.fields import TRANSIT_GATEWAY_FIELDS

Format = tuple[str, ...]
Record = dict[str, str | None]
"""Field name -> token as written in a text line, None for '-'."""
Row = dict[str, Any]
"""Column -> value, as in a row of flows (without source_file and line_number)."""

FIELD = {f.name: f for f in flowsg.FIELDS}
FIELD_NAMES: Format = tuple(FIELD)
DEFAULT_FORMAT: Format = tuple(flowsg.DEFAULT_FORMAT)
RESERVED_WORDS = frozenset(FIELD_NAMES) | TRANSIT_GATEWAY_FIELDS
"""Words that make a line of lower-case words a header line."""

INT_MAX = {
    "version": 2**31 - 1,
    "srcport": 65_535,
    "dstport": 65_535,
    "protocol": 255,
    "packets": 2**63 - 1,
    "bytes": 2**63 - 1,
    "start": 253_402_300_799_999,  # the last millisecond of the year 9999: a time at all
    "end": 253_402_300_799_999,
    "tcp-flags": 65_535,
    "traffic-path": 2**31 - 1,
}
assert set(INT_MAX) == {f.name for f in flowsg.FIELDS if f.kind in ("int", "bigint")}
MILLISECONDS_ABOVE = 2**32
ENUMS = {
    "action": frozenset({"ACCEPT", "REJECT"}),
    "log-status": frozenset({"OK", "NODATA", "SKIPDATA"}),
    "flow-direction": frozenset({"ingress", "egress"}),
}
PARQUET_INT32 = frozenset(
    {"version", "srcport", "dstport", "protocol", "tcp-flags", "traffic-path"}
)
NODATA_DASHES = ("srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes")
MAX_LINE_BYTES = flowsg.MAX_LINE_BYTES

FEW_EXAMPLES = max(5, settings().max_examples // 6)
"""For the single-rule tests, which check many lines per example (a load costs ~0.1 s)."""


# --- the reference ---------------------------------------------------------------------------

_DIGITS = re.compile(r"[0-9]+")
_TIMESTAMP = re.compile(r".{4}-.{2}-.{2}T.*", re.DOTALL)
_HEADER_LIKE = re.compile(r"[ \t]*[a-z][a-z0-9-]*([ \t]+[a-z][a-z0-9-]*)*[ \t]*\r?")


def address_numbers(text: str) -> tuple[int, int] | None:
    """(hi, lo) of an address text, None when it is not an address (zone ids are not allowed)."""
    if "%" in text:
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 4:
        value = int(ipaddress.IPv6Address("::ffff:" + str(address)))
    else:
        value = int(address)
    return (value >> 64) - 2**63, (value & (2**64 - 1)) - 2**63


def empty_row() -> Row:
    row: Row = {f.column: None for f in flowsg.FIELDS}
    for f in flowsg.FIELDS:
        if f.kind == "ip":
            row[f.column + "_hi"] = row[f.column + "_lo"] = None
    return row


def reference_row(names: Sequence[str], tokens: Sequence[str]) -> Row | None:
    """The row of flows for these tokens of these fields, or None when they are not a record."""
    if len(tokens) != len(names):
        return None
    row = empty_row()
    for name, token in zip(names, tokens, strict=True):
        if token == "-":
            continue
        field = FIELD[name]
        value: Any = token
        if field.kind in ("int", "bigint"):
            digits = token.lstrip("0") or "0"  # (int() refuses over 4300 digits)
            if not _DIGITS.fullmatch(token) or len(digits) > 19 or int(digits) > INT_MAX[name]:
                return None
            value = int(digits)
            if name in ("start", "end") and value > MILLISECONDS_ABOVE:
                value //= 1000
        elif field.kind == "ip":
            numbers = address_numbers(token)
            if numbers is None:
                return None
            row[field.column + "_hi"], row[field.column + "_lo"] = numbers
        elif name in ENUMS and token not in ENUMS[name]:
            return None
        row[field.column] = value
    return row


def parse_line(raw: bytes, names: Sequence[str]) -> Row | None:
    """The row of flows for one physical text line (without its '\\n'), None if malformed."""
    if len(raw) > MAX_LINE_BYTES:
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" in text or "\ufffd" in text or not text.strip(" \t\r"):
        return None  # NUL, U+FFFD (stands for invalid UTF-8), an empty line
    if text.startswith("{"):
        try:
            wrapper = json.loads(text)
        except ValueError:
            return None
        message = wrapper.get("message") if isinstance(wrapper, dict) else None
        if not isinstance(message, str):
            return None
        text = message
    tokens = [t for t in text.rstrip("\r").split(" ") if t]
    if len(tokens) == len(names) + 1 and _TIMESTAMP.fullmatch(tokens[0]):
        tokens = tokens[1:]
    return reference_row(names, tokens)


def is_header_like(raw: bytes) -> bool:
    """Whether a line would be read as a header: lower-case words, one of them a field name."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return bool(_HEADER_LIKE.fullmatch(text)) and any(w in RESERVED_WORDS for w in text.split())


def physical_lines(data: bytes) -> list[bytes]:
    """The lines of a file as the loader numbers them: cut at '\\n', no line after a final one,
    without the byte-order mark of the file."""
    lines = data.removeprefix(codecs.BOM_UTF8).split(b"\n")
    if lines[-1] == b"":
        lines.pop()
    return lines


# --- strategies ------------------------------------------------------------------------------

TEXT_CHARS = st.characters(min_codepoint=0x21, max_codepoint=0x7E) | st.sampled_from("éüß中Ωя€")


def plain_text_value(text: str) -> bool:
    """A text value that cannot be mistaken for something else: not '-' (NULL), not a field name
    (a record of field names only would be a header), not starting a JSON object."""
    return text != "-" and text not in RESERVED_WORDS and not text.startswith("{")


text_values = st.text(TEXT_CHARS, min_size=1, max_size=16).filter(plain_text_value)

formats: SearchStrategy[Format] = st.lists(
    st.sampled_from(FIELD_NAMES), min_size=1, max_size=len(FIELD_NAMES), unique=True
).map(tuple)
"""Any non-empty subset of the known fields, in any order."""


def tokens_for(name: str) -> SearchStrategy[str]:
    """Valid tokens of one field; start and end in seconds (below 2**32)."""
    field = FIELD[name]
    if name in ENUMS:
        return st.sampled_from(sorted(ENUMS[name]))
    if field.kind == "ip":
        return st.ip_addresses().map(str)
    if name in ("start", "end"):
        return st.integers(0, MILLISECONDS_ABOVE - 1).map(str)
    if field.kind in ("int", "bigint"):
        return st.integers(0, INT_MAX[name]).map(str)
    return text_values


@st.composite
def records(draw: DrawFn, names: Format) -> Record:
    """A valid record; some are NODATA/SKIPDATA-style, and any field may be '-'."""
    nodata = draw(st.integers(0, 4)) == 0
    record: Record = {}
    for name in names:
        if nodata and name in (*NODATA_DASHES, "action"):
            record[name] = None
        elif nodata and name == "log-status":
            record[name] = draw(st.sampled_from(["NODATA", "SKIPDATA"]))
        elif draw(st.integers(0, 5)) == 0:
            record[name] = None
        else:
            record[name] = draw(tokens_for(name))
    return record


def tokens_of(names: Format, record: Record) -> list[str]:
    return ["-" if record[n] is None else str(record[n]) for n in names]


@st.composite
def spaced(draw: DrawFn, tokens: Sequence[str]) -> str:
    """The tokens joined by runs of 1-3 spaces."""
    gaps = draw(st.lists(st.integers(1, 3), min_size=len(tokens), max_size=len(tokens)))
    return "".join(" " * gap + token for gap, token in zip(gaps, tokens, strict=True)).lstrip(" ")


@st.composite
def text_logs(
    draw: DrawFn, names_strategy: SearchStrategy[Format] = formats
) -> tuple[Format, list[Record], list[str]]:
    """A format, valid records in it and their text lines."""
    names = draw(names_strategy)
    recs = draw(st.lists(records(names), max_size=8))
    lines = [draw(spaced(tokens_of(names, r))) for r in recs]
    return names, recs, lines


# --- loading and reading back ----------------------------------------------------------------


@pytest.fixture(scope="module")
def db() -> Iterator[duckdb.DuckDBPyConnection]:
    """One flowsg database for all examples of the module's tests (opening one costs about as much
    as a small load). Each example starts with a plain load, which replaces all three tables."""
    con = flowsg.connect(":memory:")
    try:
        yield con
    finally:
        con.close()


@contextmanager
def scratch_folder() -> Iterator[Path]:
    """A fresh temporary directory per Hypothesis example (function-scoped fixtures such as
    tmp_path are shared by all examples of a test)."""
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


def aws_format(names: Format) -> str:
    return " ".join("${" + n + "}" for n in names)


def write_parquet(path: Path, names: Format, recs: Sequence[Record]) -> None:
    """A Parquet file in the S3 schema: int32/int64 integers, strings, nulls for '-'."""
    columns: dict[str, pa.Array[Any]] = {}
    for name in names:
        values = [r[name] for r in recs]
        field = FIELD[name]
        if field.kind in ("int", "bigint"):
            kind = pa.int32() if name in PARQUET_INT32 else pa.int64()
            columns[field.column] = pa.array([None if v is None else int(v) for v in values], kind)
        else:
            columns[field.column] = pa.array(values, pa.string())
    pq.write_table(pa.table(columns), path)


FLOWS_COLUMNS = tuple(empty_row())
"""The columns of flows that ingest fills (later stages may add more)."""


def flows_rows(con: duckdb.DuckDBPyConnection, path: Path) -> dict[int, Row]:
    """line number -> row of flows (the ingested columns), for one file."""
    select = ", ".join(f'"{c}"' for c in FLOWS_COLUMNS)
    cursor = con.execute(
        f"SELECT line_number, {select} FROM flows WHERE source_file = ? ORDER BY line_number",
        [str(path)],
    )
    rows: dict[int, Row] = {}
    for line, *values in cursor.fetchall():
        assert line not in rows, f"two rows of flows for line {line}"
        rows[line] = dict(zip(FLOWS_COLUMNS, values, strict=True))
    return rows


def malformed_lines(con: duckdb.DuckDBPyConnection, path: Path) -> Counter[int | None]:
    """How many rows of malformed each line number of one file has (None: file-level rows)."""
    rows = con.execute(
        "SELECT line_number FROM malformed WHERE source_file = ?", [str(path)]
    ).fetchall()
    return Counter(line for (line,) in rows)


def file_counts(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[Any, ...]:
    """(file_type, lines_read, headers, records, malformed, error) of the file's row of files."""
    rows = con.execute(
        "SELECT file_type, lines_read, headers, records, malformed, error FROM files"
        " WHERE source_file = ?",
        [str(path)],
    ).fetchall()
    assert len(rows) == 1, rows
    return tuple(rows[0])


def expected_rows(names: Format, recs: Sequence[Record], first: int) -> dict[int, Row]:
    expected: dict[int, Row] = {}
    for i, record in enumerate(recs):
        row = reference_row(names, tokens_of(names, record))
        assert row is not None, f"the generator made a bad record: {record}"
        expected[first + i] = row
    return expected


# --- (a) valid records load back unchanged ---------------------------------------------------


@given(
    log=text_logs(st.just(DEFAULT_FORMAT) | formats),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_records_round_trip(
    db: duckdb.DuckDBPyConnection, log: tuple[Format, list[Record], list[str]], newline: str
) -> None:
    """The same records as plain text with a header, gzip with a header, S3-schema Parquet and a
    headerless text file (default format, else ``log_format`` in AWS's syntax), loaded together."""
    names, recs, lines = log
    data = (newline.join([" ".join(names), *lines]) + newline).encode()
    with scratch_folder() as folder:
        text, gz = folder / "a.log", folder / "b.log.gz"
        parquet, headerless = folder / "c.log.parquet", folder / "d.log"
        text.write_bytes(data)
        gz.write_bytes(gzip.compress(data))
        write_parquet(parquet, names, recs)
        headerless.write_bytes("".join(line + newline for line in lines).encode())
        log_format = None if names == DEFAULT_FORMAT else aws_format(names)
        flowsg.load(db, [text, gz, parquet, headerless], log_format=log_format)
        n = len(recs)
        for path, file_type, headers in (
            (text, "text", 1),
            (gz, "gzip", 1),
            (parquet, "parquet", 0),
            (headerless, "text", 0),
        ):
            assert flows_rows(db, path) == expected_rows(names, recs, headers + 1), path.name
            assert malformed_lines(db, path) == Counter(), path.name
            assert file_counts(db, path) == (file_type, headers + n, headers, n, 0, None)


# --- (b) garbage among records ---------------------------------------------------------------

NASTY_TOKENS = (
    *("", "-", "--", "0", "00", "-1", "+1", "1.5", "1e3", "0x1f", "1_000", "\u0663", "\uff15"),
    *("255", "256", "65535", "65536", "2147483647", "2147483648", "4294967296"),
    *("9223372036854775807", "9223372036854775808", "99999999999999999999"),
    *("1.2.3.4", "1.2.3", "01.2.3.4", "::", "::ffff:1.2.3.4", "fe80::1%eth0", "1::2::3"),
    *("ACCEPT", "REJECT", "accept", "OK", "NODATA", "ok", "ingress", "egress", "INGRESS"),
    *("2024-01-01T00:00:00Z", "\t", "\r", "x", "{", '"', "\u00a0", "\x00", "\ufffd"),
)


@st.composite
def mutated_records(draw: DrawFn, names: Format) -> bytes:
    """A valid record with one thing changed: a token replaced, dropped or added, spaces or a CR
    around it, a CloudWatch timestamp in front, or a JSON wrapper. Some stay valid."""
    tokens = tokens_of(names, draw(records(names)))
    nasty = st.sampled_from(NASTY_TOKENS) | st.text(max_size=6) | st.from_regex(r"[0-9]{15,24}")
    edit = draw(
        st.sampled_from(["replace", "drop", "add", "spaces", "cr", "timestamp", "json", "keep"])
    )
    i = draw(st.integers(0, len(tokens) - 1))
    if edit == "replace":
        tokens[i] = draw(nasty)
    elif edit == "drop":
        del tokens[i]
    elif edit == "add":
        tokens.insert(i, draw(nasty))
    elif edit == "timestamp":
        tokens.insert(0, draw(st.sampled_from(["2021-03-04T05:06:07.890Z", "2021-03-04T05"])))
    line = draw(spaced(tokens))
    if edit == "spaces":
        line = " " * draw(st.integers(0, 3)) + line + " " * draw(st.integers(0, 3))
    elif edit == "cr":
        line += "\r" * draw(st.integers(1, 2))
    elif edit == "json":
        wrapper = {"timestamp": 1_700_000_000_000, "message": line}
        line = json.dumps(wrapper, ensure_ascii=draw(st.booleans()))
    return line.replace("\n", " ").encode("utf-8", "surrogatepass")


@st.composite
def padded_records(draw: DrawFn, names: Format) -> bytes:
    """A valid record padded with trailing spaces to just under, at or just over the line limit."""
    line = draw(spaced(tokens_of(names, draw(records(names))))).encode()
    size = draw(st.sampled_from([MAX_LINE_BYTES - 1, MAX_LINE_BYTES, MAX_LINE_BYTES + 1]))
    return line + b" " * max(0, size - len(line))


json_garbage: SearchStrategy[str] = st.one_of(
    st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8), max_size=3).map(
        json.dumps
    ),
    st.text(max_size=20).map(lambda m: json.dumps({"message": m}, ensure_ascii=False)),
    st.text(max_size=20).map(lambda m: json.dumps({"message": m})[: len(m) // 2 + 3]),
    st.text(max_size=20).map(lambda t: "{" + t),
)


def garbage(names: Format) -> SearchStrategy[bytes]:
    """Lines that are mostly not records (the reference decides), never header lines."""
    return (
        st.one_of(
            st.text(st.characters(exclude_categories=["Cs"]), max_size=40).map(str.encode),
            st.binary(max_size=40),
            st.text(" \t\r\x0b\x0c\u00a0\u3000", max_size=6).map(str.encode),
            json_garbage.map(str.encode),
            st.builds(
                lambda char, n: char * n,
                st.sampled_from([b"x", b"7", b"a ", b"\xff", "é".encode()]),
                st.sampled_from([1_000, 40_000, 70_000]),
            ),
            mutated_records(names),
            padded_records(names),
        )
        .map(lambda line: line.replace(b"\n", b" "))
        .filter(lambda line: not is_header_like(line.removeprefix(codecs.BOM_UTF8)))
    )


@st.composite
def valid_lines(draw: DrawFn, names: Format) -> bytes:
    line = draw(spaced(tokens_of(names, draw(records(names))))).encode()
    assert parse_line(line, names) is not None, f"the generator made a bad record: {line!r}"
    return line


@st.composite
def messy_files(draw: DrawFn, fallback: Format) -> tuple[Format | None, bytes]:
    """A file of valid records and garbage lines, with a header line (its format is returned) or
    without one (read in the fallback format), sometimes after a byte-order mark."""
    names = draw(st.none() | formats)
    in_force = names or fallback
    lines = draw(st.lists(valid_lines(in_force) | garbage(in_force), max_size=12))
    if names is not None:
        lines.insert(0, " ".join(names).encode())
    data = b"\n".join(lines) + (b"\n" if draw(st.booleans()) else b"")
    if data.startswith((b"PAR1", b"\x1f\x8b")):  # would be read as Parquet or gzip
        data = b" " + data
    if draw(st.integers(0, 5)) == 5:  # (shrinks to no mark)
        data = codecs.BOM_UTF8 + data
    return names, data


def expected_outcome(data: bytes, names: Format | None, fallback: Format) -> list[Row | str | None]:
    """Per physical line: "header", the row of flows, or None for a line of malformed."""
    lines = physical_lines(data)
    if names is None:
        return [parse_line(line, fallback) for line in lines]
    return ["header", *(parse_line(line, names) for line in lines[1:])]


@given(data=st.data(), fallback=st.sampled_from([DEFAULT_FORMAT]) | formats)
def test_garbage_lines_are_quarantined_and_records_kept(
    db: duckdb.DuckDBPyConnection, data: st.DataObject, fallback: Format
) -> None:
    """Every physical line is a header, a record at its line number with the reference's values,
    or one row of malformed, as the reference says; the counts of files add up."""
    files = data.draw(st.lists(messy_files(fallback), min_size=1, max_size=2), label="files")
    with scratch_folder() as folder:
        paths = [folder / f"messy{i}.log" for i in range(len(files))]
        for path, (_, content) in zip(paths, files, strict=True):
            path.write_bytes(content)
        log_format = None if fallback == DEFAULT_FORMAT else aws_format(fallback)
        flowsg.load(db, paths, log_format=log_format)
        for path, (names, content) in zip(paths, files, strict=True):
            outcome = expected_outcome(content, names, fallback)
            flows = flows_rows(db, path)
            malformed = malformed_lines(db, path)
            for line, expected in enumerate(outcome, start=1):
                raw = physical_lines(content)[line - 1]
                if expected == "header":
                    assert line not in flows and line not in malformed, raw
                elif expected is None:
                    assert line not in flows, (raw, flows.get(line))
                    assert malformed[line] == 1, raw
                else:
                    assert line not in malformed, raw
                    assert flows.get(line) == expected, raw
            headers = outcome.count("header")
            records = len(flows)
            assert headers + records + sum(malformed.values()) == len(outcome)
            assert malformed[None] == 0
            counts = (
                "text",
                len(outcome),
                headers,
                records,
                len(outcome) - headers - records,
                None,
            )
            assert file_counts(db, path) == counts


# --- (c) milliseconds ------------------------------------------------------------------------

TIME_MAX = INT_MAX["start"]
timestamps = st.one_of(
    st.integers(0, TIME_MAX),
    st.integers(TIME_MAX - 2, TIME_MAX),
    st.integers(MILLISECONDS_ABOVE - 2, MILLISECONDS_ABOVE + 2),
    st.integers(10**12, 4 * 10**12),
)


def seconds(value: int) -> int:
    """start/end above 2**32 are milliseconds."""
    return value // 1000 if value > MILLISECONDS_ABOVE else value


@given(pairs=st.lists(st.tuples(timestamps, timestamps), min_size=1, max_size=10))
@example(pairs=[(1_700_000_000_123, 1_700_000_060_999), (1_700_000_000, 1_700_000_060)])
@example(pairs=[(MILLISECONDS_ABOVE - 1, MILLISECONDS_ABOVE), (MILLISECONDS_ABOVE + 1, TIME_MAX)])
@settings(max_examples=FEW_EXAMPLES)
def test_millisecond_timestamps_become_seconds(
    db: duckdb.DuckDBPyConnection, pairs: list[tuple[int, int]]
) -> None:
    names: Format = ("start", "end")
    recs: list[Record] = [{"start": str(s), "end": str(e)} for s, e in pairs]
    expected = [(seconds(s), seconds(e)) for s, e in pairs]
    with scratch_folder() as folder:
        text, parquet = folder / "ms.log", folder / "ms.log.parquet"
        text.write_bytes(("start end\n" + "".join(f"{s} {e}\n" for s, e in pairs)).encode())
        write_parquet(parquet, names, recs)
        flowsg.load(db, [text, parquet])
        for path, first in ((text, 2), (parquet, 1)):
            rows = flows_rows(db, path)
            assert [(rows[line]["start"], rows[line]["end"]) for line in sorted(rows)] == expected
            assert sorted(rows) == list(range(first, first + len(pairs)))


# --- (d) append ------------------------------------------------------------------------------

TABLES = ("flows", "malformed", "files")
Snapshot = dict[str, Counter[tuple[Any, ...]]]


def snapshot(con: duckdb.DuckDBPyConnection, paths: Sequence[Path] | None = None) -> Snapshot:
    """The rows of the three tables (of these files only, when given), as multisets."""
    result: Snapshot = {}
    for table in TABLES:
        if paths is None:
            rows = con.execute(f"SELECT * FROM {table}").fetchall()
        else:
            query = f"SELECT * FROM {table} WHERE source_file IN (SELECT unnest($files))"
            rows = con.execute(query, {"files": [str(p) for p in paths]}).fetchall()
        result[table] = Counter(rows)
    return result


def plus(a: Snapshot, b: Snapshot) -> Snapshot:
    return {table: a[table] + b[table] for table in TABLES}


@given(files=st.lists(messy_files(DEFAULT_FORMAT), min_size=3, max_size=3))
@settings(max_examples=max(3, settings().max_examples // 10))  # five loads each
def test_append_adds_and_a_plain_load_replaces(
    db: duckdb.DuckDBPyConnection, files: list[tuple[Format | None, bytes]]
) -> None:
    with scratch_folder() as folder:
        a, b, c = (folder / f"{name}.log" for name in "abc")
        for path, (_, content) in zip((a, b, c), files, strict=True):
            path.write_bytes(content)
        flowsg.load(db, [a, b, c])
        alone = {path: snapshot(db, [path]) for path in (a, b, c)}

        flowsg.load(db, [a])
        flowsg.load(db, [b], append=True)
        assert snapshot(db) == plus(alone[a], alone[b])
        flowsg.load(db, [a], append=True)  # the same file again: its rows twice
        assert snapshot(db) == plus(plus(alone[a], alone[b]), alone[a])
        flowsg.load(db, [c])
        assert snapshot(db) == alone[c]


# --- single rules, for small reproductions ---------------------------------------------------

SPLIT_FORMATS: tuple[Format, ...] = (
    ("account-id",),
    ("account-id", "interface-id"),
    ("account-id", "interface-id", "vpc-id"),
)


@st.composite
def spaced_values(draw: DrawFn) -> str:
    """1-4 text values with runs of 1-3 spaces between them and 0-2 before and after."""
    values = draw(st.lists(text_values, min_size=1, max_size=4))
    line = draw(spaced(values))
    return " " * draw(st.integers(0, 2)) + line + " " * draw(st.integers(0, 2))


def load_and_compare(
    con: duckdb.DuckDBPyConnection, names: Format, lines: Sequence[str], fallback: bool = False
) -> None:
    """Load the lines (after a header line, or headerless with log_format) and check each line
    against the reference."""
    with scratch_folder() as folder:
        path = folder / "lines.log"
        body = [] if fallback else [" ".join(names)]
        path.write_bytes("".join(line + "\n" for line in [*body, *lines]).encode())
        flowsg.load(con, [path], log_format=aws_format(names) if fallback else None)
        flows, malformed = flows_rows(con, path), malformed_lines(con, path)
    first = 1 if fallback else 2
    for line_number, line in enumerate(lines, start=first):
        expected = parse_line(line.encode(), names)
        if expected is None:
            assert line_number not in flows, (line, flows.get(line_number))
            assert malformed[line_number] == 1, line
        else:
            assert line_number not in malformed, line
            assert flows.get(line_number) == expected, line


@given(names=st.sampled_from(SPLIT_FORMATS), lines=st.lists(spaced_values(), min_size=1))
@example(names=SPLIT_FORMATS[1], lines=["x "])
@example(names=SPLIT_FORMATS[1], lines=[" x"])
@example(names=SPLIT_FORMATS[2], lines=["a  b"])
@settings(max_examples=FEW_EXAMPLES)
def test_fields_are_separated_by_runs_of_spaces(
    db: duckdb.DuckDBPyConnection, names: Format, lines: list[str]
) -> None:
    """A line is a record exactly when it has one space-separated token per field; spaces never
    make an empty field."""
    load_and_compare(db, names, lines)


any_text_values = st.text(
    st.characters(exclude_characters=" \t\n\r\x00\ufffd", exclude_categories=["Cs"]),
    min_size=1,
    max_size=8,
).filter(plain_text_value)
"""Text values of any characters except the space, tab (a tab-separated line of lower-case
words can be a header line), line ends, NUL and U+FFFD (both mark lines bad)."""


@given(
    lines=st.lists(
        st.tuples(any_text_values, any_text_values, st.integers(1, 3)).map(
            lambda t: t[0] + " " * t[2] + t[1]
        ),
        min_size=1,
    )
)
@example(lines=["\u00a0x  y"])
@example(lines=["x  \u3000"])
@settings(max_examples=FEW_EXAMPLES)
def test_text_values_keep_every_character(db: duckdb.DuckDBPyConnection, lines: list[str]) -> None:
    """Only U+0020 separates fields: other white space (NBSP, ideographic space...) belongs to
    the values, at the ends of a line too."""
    load_and_compare(db, ("account-id", "interface-id"), lines)


INT_NAMES: Format = tuple(INT_MAX)
int_tokens = st.one_of(
    st.from_regex(r"[0-9]{1,24}", fullmatch=True),
    st.integers(0, 2**64).map(str),
    st.sampled_from(
        ["-", "-1", "+1", "1.5", "1e3", "0x1f", "1_000", "\u0663", "\uff15", "00", "0080"]
    ),
)


@given(
    cases=st.lists(
        st.tuples(st.sampled_from(INT_NAMES), int_tokens), min_size=1, max_size=len(INT_NAMES)
    )
)
@example(cases=[("packets", "0" * 20)])
@example(cases=[("srcport", "000000000000000000080")])
@settings(max_examples=FEW_EXAMPLES)
def test_integer_tokens(db: duckdb.DuckDBPyConnection, cases: list[tuple[str, str]]) -> None:
    """An integer field takes plain ASCII digits (leading zeros too) up to its maximum."""
    lines = [" ".join(token if n == name else "-" for n in INT_NAMES) for name, token in cases]
    load_and_compare(db, INT_NAMES, lines, fallback=True)


@given(
    names=st.sampled_from(SPLIT_FORMATS),
    messages=st.lists(spaced_values() | st.text(" \r", max_size=3), min_size=1, max_size=8),
    ensure_ascii=st.booleans(),
)
@example(names=SPLIT_FORMATS[0], messages=[""], ensure_ascii=True)
@settings(max_examples=FEW_EXAMPLES)
def test_json_wrapped_records(
    db: duckdb.DuckDBPyConnection, names: Format, messages: list[str], ensure_ascii: bool
) -> None:
    """A line holding a JSON object is read as its "message" string: a record exactly when the
    message is one (an empty message is no record, whatever the format)."""
    lines = [
        json.dumps({"id": i, "message": m, "timestamp": 0}, ensure_ascii=ensure_ascii)
        for i, m in enumerate(messages)
    ]
    load_and_compare(db, names, lines)
