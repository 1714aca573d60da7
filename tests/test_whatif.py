"""`flowsg whatif` as a library: the observed `allowed` flows that would lose every permitting
rule, on the sample scenario (the redundant endpoint rule and the rule covering it) and on
hand-built cases (rules that cover each other, egress, unknown ids)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest
import reference_matcher as ref
from reference_matcher import Snap, eni, rec, rule

import flowsg
from flowsg.output import FORMATS, render_table
from flowsg.report.whatif import SAFE, WHATIF_SCHEMA, rule_ids, whatif, whatif_caveats

ROOT = Path(__file__).resolve().parents[1]
ENDPOINT = "eni-000f7f261cbb49be7"
REDUNDANT = "sgr-0429b1ff859771226"  # 443 from app-tier, on the Secrets Manager endpoint
VPC_WIDE = "sgr-082644bce20111928"  # 443 from the VPC's /24, on the same endpoint
WEB_SERVERS = ["198.51.100.68", "198.51.100.75", "198.51.100.83"]
APP_SERVERS = ["198.51.100.101", "198.51.100.108"]


@pytest.fixture(scope="module")
def sample() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = flowsg.connect(":memory:")
    flowsg.analyze(connection, [ROOT / "sample_logs"], ROOT / "sample_logs" / "snapshot")
    yield connection
    connection.close()


def flows(table: Any) -> list[tuple[Any, ...]]:
    return [
        (r["interface_id"], r["direction"], r["remote_address"], r["protocol"], r["port"])
        for r in table.to_pylist()
    ]


def test_sample_redundant_rule_alone_is_safe(sample: duckdb.DuckDBPyConnection) -> None:
    table = whatif(sample, [REDUNDANT])
    assert table.schema == WHATIF_SCHEMA
    assert table.num_rows == 0
    assert SAFE == "safe: no observed flow depends on these rules"


def test_sample_vpc_wide_rule_alone_breaks_the_web_clients(
    sample: duckdb.DuckDBPyConnection,
) -> None:
    table = whatif(sample, [VPC_WIDE])
    assert flows(table) == [(ENDPOINT, "ingress", a, 6, 443) for a in WEB_SERVERS]
    assert sum(r["records"] for r in table.to_pylist()) == 45  # its sole hits
    assert all(r["rules"] == [VPC_WIDE] for r in table.to_pylist())


def test_sample_both_rules_break_every_endpoint_flow(sample: duckdb.DuckDBPyConnection) -> None:
    table = whatif(sample, f"{REDUNDANT},{VPC_WIDE}")
    assert flows(table) == [(ENDPOINT, "ingress", a, 6, 443) for a in WEB_SERVERS + APP_SERVERS]
    assert sum(r["records"] for r in table.to_pylist()) == 102  # every hit of the VPC-wide rule
    rows = {r["remote_address"]: r for r in table.to_pylist()}
    assert rows["198.51.100.101"]["rules"] == [REDUNDANT, VPC_WIDE]
    assert rows["198.51.100.101"]["last_seen"] is not None


def test_sample_unused_rules_are_safe(sample: duckdb.DuckDBPyConnection) -> None:
    unused = ["sgr-05c06dca1a6947566", "sgr-01db9341fa3942f70", "sgr-056e4f543b2134460"]
    assert whatif(sample, unused).num_rows == 0


@pytest.mark.parametrize("fmt", FORMATS)
def test_sample_renders(sample: duckdb.DuckDBPyConnection, fmt: str) -> None:
    assert ENDPOINT in render_table(whatif(sample, [VPC_WIDE]), fmt)
    assert render_table(whatif(sample, [REDUNDANT]), fmt)


def test_unknown_rule_ids(sample: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(flowsg.UsageError, match="no rule sgr-0429b1ff859771227") as info:
        whatif(sample, ["sgr-0429b1ff859771227"])
    assert f"did you mean {REDUNDANT}?" in info.value.hint
    with pytest.raises(flowsg.UsageError, match="no rules sgr-x, sgr-y"):
        whatif(sample, [REDUNDANT, "sgr-x", "sgr-y"])
    with pytest.raises(flowsg.UsageError, match="no rule to remove"):
        whatif(sample, [" ", ""])


def test_a_database_without_analysis() -> None:
    with pytest.raises(flowsg.DatabaseError, match="no analysis"):
        whatif(flowsg.connect(":memory:"), ["sgr-1"])


def test_rule_ids_are_split_and_deduplicated() -> None:
    assert rule_ids("a, b,,a") == ["a", "b"]
    assert rule_ids(["a,b", "c", "b"]) == ["a", "b", "c"]


def test_caveats(sample: duckdb.DuckDBPyConnection) -> None:
    lines = whatif_caveats(sample, ["sgr-02e984bd527c6d02a", "sgr-0cafcf334d5350b5c", VPC_WIDE])
    assert lines[0].startswith("sgr-02e984bd527c6d02a (unresolvable): group sg-08d6691ab78c5e1e6")
    assert lines[1].startswith("sgr-0cafcf334d5350b5c (unused): flow logs never record")
    assert lines[2] == (
        "replayed the records from 2026-11-02 08:00:00 UTC to 2026-11-02 11:30:00 UTC: "
        "traffic outside that window is not known"
    )
    assert len(lines) == 3  # the used rule needs no caveat


# --- hand-built cases ---------------------------------------------------------------------------

WEB = "192.0.2.10"


def analyze_case(
    root: Path, snap: Snap, records: Sequence[Mapping[str, Any]]
) -> duckdb.DuckDBPyConnection:
    """Write the snapshot's JSON and a flow-log file into root, then flowsg.analyze them."""
    log, snap_dir = ref.write_case(root, snap.documents(), snap.entries(), records)
    con = flowsg.connect(":memory:")
    flowsg.analyze(con, [log], snap_dir)
    return con


@pytest.fixture
def overlapping(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """sgr-all (the /24) and its two halves, plus an egress rule: each client is allowed by
    sgr-all and one half."""
    snap = Snap(
        groups=["sg-a"],
        rules=[
            rule("sgr-all", "sg-a", "ingress", "tcp", 443, 443, cidr="198.51.100.0/24"),
            rule("sgr-low", "sg-a", "ingress", "tcp", 443, 443, cidr="198.51.100.0/25"),
            rule("sgr-high", "sg-a", "ingress", "tcp", 443, 443, cidr="198.51.100.128/25"),
            rule("sgr-out", "sg-a", "egress", "udp", 53, 53, cidr="203.0.113.0/24"),
        ],
        enis=[eni("eni-web", ["sg-a"], WEB)],
    )
    records = [
        rec("eni-web", "198.51.100.7", WEB, 50000, 443),
        rec("eni-web", "198.51.100.7", WEB, 50001, 443),
        rec("eni-web", "198.51.100.200", WEB, 50002, 443),
        rec("eni-web", WEB, "203.0.113.53", 40000, 53, 17),
    ]
    con = analyze_case(tmp_path, snap, records)
    yield con
    con.close()


@pytest.mark.parametrize(
    ("remove", "expected"),
    [
        # each rule alone is covered by another one
        (["sgr-all"], []),
        (["sgr-low"], []),
        (["sgr-low", "sgr-high"], []),
        # two rules that cover each other: the flows that need at least one of them
        (["sgr-all", "sgr-low"], [("198.51.100.7", 2)]),
        (["sgr-all", "sgr-high"], [("198.51.100.200", 1)]),
        (["sgr-all", "sgr-low", "sgr-high"], [("198.51.100.7", 2), ("198.51.100.200", 1)]),
    ],
)
def test_overlapping_rules(
    overlapping: duckdb.DuckDBPyConnection,
    remove: list[str],
    expected: list[tuple[str, int]],
) -> None:
    rows = whatif(overlapping, remove).to_pylist()
    assert [(r["remote_address"], r["records"]) for r in rows] == expected
    assert all(r["direction"] == "ingress" and r["port"] == 443 for r in rows)
    assert all(set(r["rules"]) <= set(remove) for r in rows)


def test_egress_flows_name_the_destination(overlapping: duckdb.DuckDBPyConnection) -> None:
    assert flows(whatif(overlapping, ["sgr-out"])) == [
        ("eni-web", "egress", "203.0.113.53", 17, 53)
    ]
