"""The AWS documentation's example flow-log records load exactly as AWS describes them.

The records are flowsg's own copies in ``tests/data/aws_docs/`` (AWS docs, CC BY-SA 4.0; see the
README there). ``expected.json`` gives, per record, its line number and every field of the header
(integers for numeric fields, ``null`` for ``-``). Each record must come out of the loader with
exactly those values, every other column of ``flows`` NULL, and the numeric address forms equal to
what Python's ``ipaddress`` computes.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

import flowsg

DATA = Path(__file__).resolve().parent / "data" / "aws_docs"
EXPECTED: dict[str, Any] = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))
FILES: dict[str, Any] = EXPECTED["files"]
INT_KINDS = ("int", "bigint")
ADDRESS_COLUMNS = ("srcaddr", "dstaddr", "pkt_srcaddr", "pkt_dstaddr")


@pytest.fixture(scope="module")
def docs_con() -> Iterator[duckdb.DuckDBPyConnection]:
    """All example files loaded by one call, as a user would load the folder."""
    connection = flowsg.connect(":memory:")
    flowsg.load(connection, [DATA])
    yield connection
    connection.close()


def source(name: str) -> str:
    """The source_file under which the loader stores a file of DATA (walked from DATA)."""
    return str(DATA / name)


def rows(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> list[dict[str, Any]]:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def flow_row(con: duckdb.DuckDBPyConnection, name: str, line: int) -> dict[str, Any]:
    found = rows(
        con, "SELECT * FROM flows WHERE source_file = ? AND line_number = ?", source(name), line
    )
    assert len(found) == 1, f"{name} line {line}: {len(found)} rows in flows"
    return found[0]


def address_number(text: str) -> tuple[int, int]:
    """(hi, lo) as stored by flowsg: IPv4 as ::ffff:a.b.c.d, halves offset by -2**63."""
    address = ipaddress.ip_address(text)
    mapped = ipaddress.IPv6Address("::ffff:" + text) if address.version == 4 else address
    value = int(mapped)
    return (value >> 64) - 2**63, (value & (2**64 - 1)) - 2**63


def test_data_files_match_expected_json() -> None:
    assert sorted(p.name for p in DATA.glob("*.log")) == sorted(FILES)
    for name, case in FILES.items():
        lines = (DATA / name).read_text(encoding="utf-8").splitlines()
        assert lines[0] == case["header"], name
        for record in case["records"]:
            assert lines[record["line"] - 1] == record["raw"], (name, record["line"])


def test_readme_names_the_source_and_licence() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    src = EXPECTED["source"]
    for text in (src["repo"], src["path"], src["commit"], src["live_page"], "CC BY-SA 4.0"):
        assert text in readme


def test_files_table_accounts_for_every_line(docs_con: duckdb.DuckDBPyConnection) -> None:
    got = {r["source_file"]: r for r in rows(docs_con, "SELECT * FROM files")}
    assert sorted(got) == sorted(source(name) for name in FILES)
    for name, case in FILES.items():
        n = len(case["records"])
        assert got[source(name)] == {
            "source_file": source(name),
            "file_type": "text",
            "lines_read": n + 1,
            "headers": 1,
            "records": n,
            "malformed": 0,
            "formats": case["header"],
            "error": None,
        }


def test_nothing_is_quarantined(docs_con: duckdb.DuckDBPyConnection) -> None:
    assert rows(docs_con, "SELECT * FROM malformed") == []


@pytest.mark.parametrize("name", sorted(FILES))
def test_records_field_by_field(docs_con: duckdb.DuckDBPyConnection, name: str) -> None:
    case = FILES[name]
    header = case["header"].split()
    lines = [
        r["line_number"]
        for r in rows(
            docs_con, "SELECT line_number FROM flows WHERE source_file = ? ORDER BY 1", source(name)
        )
    ]
    assert lines == [record["line"] for record in case["records"]]
    for record in case["records"]:
        row = flow_row(docs_con, name, record["line"])
        assert sorted(record["fields"]) == sorted(header)
        for f in flowsg.FIELDS:
            expected = record["fields"].get(f.name)  # absent from the format -> NULL
            assert row[f.column] == expected, (name, record["line"], f.name)
            if expected is not None and f.kind in INT_KINDS:
                assert type(row[f.column]) is int, (name, record["line"], f.name)


def test_double_space_record_parses(docs_con: duckdb.DuckDBPyConnection) -> None:
    """Line 9 of tcp-flag-sequence.log has AWS's doc typo '43638  10.0.0.62' (two spaces)."""
    raw = (DATA / "tcp-flag-sequence.log").read_text(encoding="utf-8").splitlines()[8]
    assert "43638  10.0.0.62" in raw
    row = flow_row(docs_con, "tcp-flag-sequence.log", 9)
    assert (row["srcport"], row["dstport"]) == (5001, 43638)
    assert (row["pkt_srcaddr"], row["pkt_dstaddr"]) == ("10.0.0.62", "52.213.180.42")
    assert (row["protocol"], row["bytes"], row["packets"]) == (6, 967, 14)
    assert (row["start"], row["end"]) == (1566933133, 1566933193)
    assert (row["action"], row["tcp_flags"], row["log_status"]) == ("ACCEPT", 19, "OK")


@pytest.mark.parametrize(
    ("line", "eni", "status"),
    [(2, "eni-1235b8ca123456789", "NODATA"), (3, "eni-11111111aaaaaaaaa", "SKIPDATA")],
)
def test_nodata_and_skipdata_keep_their_metadata(
    docs_con: duckdb.DuckDBPyConnection, line: int, eni: str, status: str
) -> None:
    row = flow_row(docs_con, "nodata-skipdata.log", line)
    assert row["log_status"] == status
    assert (row["version"], row["account_id"], row["interface_id"]) == (2, "123456789010", eni)
    assert (row["start"], row["end"]) == (1431280876, 1431280934)
    assert row["action"] is None
    for column in (
        "srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes",
        "srcaddr_hi", "srcaddr_lo", "dstaddr_hi", "dstaddr_lo",
    ):  # fmt: skip
        assert row[column] is None, column


def test_ipv6_addresses_numeric_form(docs_con: duckdb.DuckDBPyConnection) -> None:
    row = flow_row(docs_con, "ipv6.log", 2)
    src = "2001:db8:1234:a100:8d6e:3477:df66:f105"
    dst = "2001:db8:1234:a102:3304:8879:34cf:4071"
    assert (row["srcaddr_hi"], row["srcaddr_lo"]) == address_number(src)
    assert (row["dstaddr_hi"], row["dstaddr_lo"]) == address_number(dst)
    # Spelled out, for a reader checking the offset convention by hand.
    assert row["srcaddr_hi"] == 0x20010DB81234A100 - 2**63
    assert row["srcaddr_lo"] == 0x8D6E3477DF66F105 - 2**63


def test_every_address_numeric_form(docs_con: duckdb.DuckDBPyConnection) -> None:
    """All four address columns of every record, IPv4 and IPv6, against Python's ipaddress."""
    checked = 0
    for row in rows(docs_con, "SELECT * FROM flows"):
        for column in ADDRESS_COLUMNS:
            pair = (row[f"{column}_hi"], row[f"{column}_lo"])
            if row[column] is None:
                assert pair == (None, None), (row["source_file"], row["line_number"], column)
            else:
                assert pair == address_number(row[column]), (
                    row["source_file"],
                    row["line_number"],
                    column,
                )
                checked += 1
    assert checked == 90  # the address fields of the 27 records that have them
