"""Address parsing in SQL (queries/ingest/ip_numbers.sql and the dialect macros) against Python's
``ipaddress`` as the brute-force reference.

Addresses go through the whole loader: each is written as a field of a record in a small flow-log
file, the file is loaded, and the address's row is checked. The rules checked:

* text that ``ipaddress.ip_address`` accepts and that has no ``%zone`` (flowsg rejects zone ids by
  design) loads into ``flows``; any other text is quarantined in ``malformed`` as
  ``not an IP address: <field>``;
* the numeric form: v = the 128-bit value, IPv4 as IPv4-mapped IPv6 (``::ffff:a.b.c.d``);
  ``hi = (v >> 64) - 2**63``, ``lo = (v & (2**64 - 1)) - 2**63``;
* ordering by (hi, lo) is address order.
"""

from __future__ import annotations

import ipaddress
import string
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

import flowsg

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

ADDRESS_FIELDS = ("srcaddr", "dstaddr", "pkt-srcaddr", "pkt-dstaddr")
FILLER = "192.0.2.1"
"""A valid dstaddr next to a random srcaddr, so that only srcaddr can make a record bad."""

BAD_SRCADDR = "not an IP address: srcaddr"


# --- the reference ---------------------------------------------------------------------------


def reference_value(text: str) -> int | None:
    """The 128-bit value of an address text (IPv4 as IPv4-mapped IPv6), None when not an address."""
    if "%" in text:  # Python accepts 'fe80::1%eth0'; flowsg rejects zone ids by design
        return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 4:
        return int(ipaddress.IPv6Address("::ffff:" + str(address)))
    return int(address)


def hi_lo(value: int) -> tuple[int, int]:
    """The numeric columns: high and low 64 bits, each with its top bit flipped."""
    return (value >> 64) - 2**63, (value & (2**64 - 1)) - 2**63


# --- address texts ---------------------------------------------------------------------------

addresses: SearchStrategy[Address] = st.one_of(
    st.ip_addresses(v=4),
    st.ip_addresses(v=6),
    st.ip_addresses(network="::ffff:0:0/96"),  # IPv4-mapped
    st.ip_addresses(network="64:ff9b::/96"),  # NAT64, written with a dotted tail
    st.ip_addresses(network="::/112"),  # mostly zeros: '::', '::1', '::1.2.3.4'
    st.ip_addresses(network="fe80::/112"),
)


@st.composite
def ipv6_text(draw: DrawFn, address: ipaddress.IPv6Address) -> str:
    """One of the many ways to write an IPv6 address: groups padded with zeros or not, any run
    of zero groups written as '::' or not, the last 32 bits as a dotted quad or not, any case."""
    value = int(address)
    dotted = draw(st.booleans())
    n_groups = 6 if dotted else 8
    groups = [(value >> (16 * (7 - i))) & 0xFFFF for i in range(n_groups)]
    hextets = [format(g, "x").rjust(draw(st.integers(len(format(g, "x")), 4)), "0") for g in groups]
    zero_runs = [
        (i, j)
        for i in range(n_groups)
        for j in range(i, n_groups)
        if all(g == 0 for g in groups[i : j + 1])
    ]
    run = draw(st.none() | st.sampled_from(zero_runs)) if zero_runs else None
    tail = [str(ipaddress.IPv4Address(value & 0xFFFFFFFF))] if dotted else []
    if run is None:
        text = ":".join(hextets + tail)
    else:
        i, j = run
        text = ":".join(hextets[:i]) + "::" + ":".join(hextets[j + 1 :] + tail)
    case = draw(st.sampled_from(["lower", "upper", "mixed"]))
    if case == "upper":
        text = text.upper()
    elif case == "mixed":
        flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
        text = "".join(c.upper() if f else c for c, f in zip(text, flips, strict=True))
    return text


@st.composite
def address_texts(draw: DrawFn) -> str:
    """A valid address in some textual form (checked against the reference before use)."""
    address = draw(addresses)
    if isinstance(address, ipaddress.IPv4Address):
        as_mapped = draw(st.booleans())
        return ("::ffff:" if as_mapped else "") + str(address)
    text = draw(ipv6_text(address))
    assert ipaddress.ip_address(text) == address, text
    return text


ADDRESS_ALPHABET = string.hexdigits + string.ascii_letters + ":.%"


@st.composite
def near_addresses(draw: DrawFn) -> str:
    """A valid address text with one character deleted, inserted, replaced or doubled."""
    text = draw(address_texts())
    i = draw(st.integers(0, len(text) - 1))
    char = draw(st.sampled_from(ADDRESS_ALPHABET))
    edit = draw(st.sampled_from(["delete", "insert", "replace", "double"]))
    if edit == "delete":
        edited = text[:i] + text[i + 1 :]
    elif edit == "insert":
        edited = text[:i] + char + text[i:]
    elif edit == "replace":
        edited = text[:i] + char + text[i + 1 :]
    else:
        edited = text[: i + 1] + text[i:]
    return edited or char


address_like: SearchStrategy[str] = st.one_of(
    st.text(alphabet=ADDRESS_ALPHABET, min_size=1, max_size=45),
    st.text(alphabet="0123456789abcdefABCDEF:.", min_size=1, max_size=45),
    near_addresses(),
    address_texts(),
)
"""Text over the characters of addresses: mostly not addresses, some valid, many nearly valid."""


# --- loading ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def db() -> Iterator[duckdb.DuckDBPyConnection]:
    """One flowsg database for all examples of the module's Hypothesis tests (opening one costs
    a third of a small load); every load here is a plain load, which replaces the tables."""
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


def load_lines(
    con: duckdb.DuckDBPyConnection, folder: Path, header: str, lines: Sequence[str]
) -> Path:
    """Write a flow-log file (the header, then the lines) and load it; records are lines 2, 3…"""
    path = folder / "addresses.log"
    path.write_bytes(("\n".join([header, *lines]) + "\n").encode())
    flowsg.load(con, [path])
    return path


def loaded_numbers(
    con: duckdb.DuckDBPyConnection, column: str
) -> dict[int, tuple[str, int | None, int | None]]:
    """line number -> (address text, hi, lo) of one address column of flows."""
    rows = con.execute(
        f"SELECT line_number, {column}, {column}_hi, {column}_lo FROM flows"
    ).fetchall()
    return {line: (text, hi, lo) for line, text, hi, lo in rows}


def malformed_reasons(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    rows = con.execute("SELECT line_number, reason FROM malformed").fetchall()
    return dict(rows)


# --- tests -----------------------------------------------------------------------------------


@given(st.lists(address_texts(), min_size=1, max_size=25))
@example(["::", "::1", "1::", "::ffff:1.2.3.4", "64:ff9b::1.2.3.4", "1:2:3:4:5:6:1.2.3.4"])
@example(
    ["0.0.0.0", "255.255.255.255", "::ffff:0.0.0.0", "FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF"]
)
def test_valid_addresses_get_their_numbers_in_address_order(
    db: duckdb.DuckDBPyConnection, texts: list[str]
) -> None:
    """Every textual form of every address loads, in all four address fields, with hi/lo equal to
    the reference's; and ORDER BY (hi, lo) in SQL is address order."""
    n = len(texts)
    lines = [" ".join(texts[(i + k) % n] for k in range(4)) for i in range(n)]
    with scratch_folder() as folder:
        load_lines(db, folder, " ".join(ADDRESS_FIELDS), lines)
        assert malformed_reasons(db) == {}
        for k, field in enumerate(ADDRESS_FIELDS):
            column = field.replace("-", "_")
            expected = {}
            for i in range(n):
                text = texts[(i + k) % n]
                value = reference_value(text)
                assert value is not None, text
                expected[i + 2] = (text, *hi_lo(value))
            assert loaded_numbers(db, column) == expected, field
        by_hi_lo = [
            line
            for (line,) in db.execute(
                "SELECT line_number FROM flows ORDER BY srcaddr_hi, srcaddr_lo, line_number"
            ).fetchall()
        ]
    assert_address_order(by_hi_lo, dict(enumerate(texts, start=2)))


def assert_address_order(by_hi_lo: list[int], texts: dict[int, str]) -> None:
    """Lines sorted by (hi, lo, line) are sorted by the 128-bit value (IPv4 mapped); within IPv4
    alone and within IPv6 alone, by the family's own integer value."""

    def value(line: int) -> int:
        result = reference_value(texts[line])
        assert result is not None
        return result

    assert by_hi_lo == sorted(texts, key=lambda line: (value(line), line))
    parsed = {line: ipaddress.ip_address(text) for line, text in texts.items()}
    for version in (4, 6):
        family = [line for line in texts if parsed[line].version == version]
        by_family_int = sorted(family, key=lambda line: (int(parsed[line]), line))
        assert [line for line in by_hi_lo if parsed[line].version == version] == by_family_int


@given(st.lists(address_like, min_size=1, max_size=20))
@example(["1::2::3", ":1::", "::1:", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "01.2.3.4"])
def test_any_text_is_an_address_exactly_when_the_reference_says_so(
    db: duckdb.DuckDBPyConnection, texts: list[str]
) -> None:
    """Valid per ``ipaddress.ip_address`` and without a '%zone' <=> loaded into flows with the
    reference's hi/lo; otherwise <=> quarantined as 'not an IP address: srcaddr'."""
    with scratch_folder() as folder:
        load_lines(db, folder, "srcaddr dstaddr", [f"{t} {FILLER}" for t in texts])
        flows = loaded_numbers(db, "srcaddr")
        malformed = malformed_reasons(db)
        for line, text in enumerate(texts, start=2):
            value = reference_value(text)
            if value is None:
                assert line not in flows, text
                assert malformed.get(line) == BAD_SRCADDR, text
            else:
                assert line not in malformed, (text, malformed.get(line))
                assert flows.get(line) == (text, *hi_lo(value)), text


EDGE_CASES = [
    ("::", True),
    ("::1", True),
    ("1::", True),
    ("1:2:3:4:5:6:7::", True),
    ("::2:3:4:5:6:7:8", True),
    ("1:2:3:4:5:6:7:8", True),
    ("1::2::3", False),
    (":1::", False),
    ("::1:", False),
    (":::", False),
    ("1:::2", False),
    (":1:2:3:4:5:6:7", False),
    ("1:2:3:4:5:6:7:", False),
    ("1:2:3:4:5:6:7:8:9", False),
    ("1:2:3:4::5:6:7:8", False),
    ("12345::", False),
    ("g::", False),
    ("0.0.0.0", True),
    ("255.255.255.255", True),
    ("256.0.0.1", False),
    ("01.2.3.4", False),
    ("1.2.3", False),
    ("1.2.3.4.5", False),
    ("1.2.3.4:", False),
    ("fe80::1%eth0", False),
    ("::ffff:1.2.3.4", True),
    ("::FFFF:1.2.3.4", True),
    ("::1.2.3.4", True),
    ("64:ff9b::1.2.3.4", True),
    ("1:2:3:4:5:6:1.2.3.4", True),
    ("1:2:3:4:5:6:7:1.2.3.4", False),
    ("::ffff:01.2.3.4", False),
    ("::ffff:1.2.3", False),
    ("1.2.3.4::", False),
    (":1.2.3.4", False),
]


def test_edge_cases(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """The explicit edge cases, all in one file (line 2 + i holds EDGE_CASES[i])."""
    disagree = [text for text, valid in EDGE_CASES if (reference_value(text) is not None) != valid]
    assert disagree == [], "the reference disagrees with the table"
    load_lines(con, tmp_path, "srcaddr dstaddr", [f"{text} {FILLER}" for text, _ in EDGE_CASES])
    flows, malformed = loaded_numbers(con, "srcaddr"), malformed_reasons(con)
    wrong = []
    for line, (text, _) in enumerate(EDGE_CASES, start=2):
        value = reference_value(text)
        got = flows.get(line) or malformed.get(line)
        expected = BAD_SRCADDR if value is None else (text, *hi_lo(value))
        if got != expected or (line in flows and line in malformed):
            wrong.append((text, got, expected))
    assert wrong == []
