"""Peer projects' flow-log test vectors, read in place from ../shared/reference/flowlogs/.

The folders hold other parsers' test data (Elastic Beats and Integrations, OpenTelemetry, the
obsrvbl flowlogs-reader) and records from public issue reports, with their README. Several are
under the Elastic License, so they are never copied into this project: the tests read them from
the shared folder next to the repository and are skipped when it is absent.

Every log file must be accounted for line by line (header, record or quarantined line). Where a
folder's README or a peer's expected output says what a record holds, the loaded row must hold
exactly that. Files without a header are loaded again with the ``--log-format`` they were written
in, built from the AWS field order, and checked against the peer's expected output.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

import flowsg

REF = Path(__file__).resolve().parents[2] / "shared" / "reference" / "flowlogs"
FOLDERS = (
    "elastic-beats-processor",
    "elastic-integrations",
    "otel-collector-contrib",
    "obsrvbl-flowlogs-reader",
    "issue-reports",
)
AWS_DOCS = Path(__file__).resolve().parent / "data" / "aws_docs"

pytestmark = pytest.mark.skipif(
    not all((REF / folder).is_dir() for folder in FOLDERS),
    reason=f"peer flow-log vectors not found in {REF} (the shared folder next to the repository;"
    " they are read in place and never copied into the project)",
)

EI = REF / "elastic-integrations"
OTEL = REF / "otel-collector-contrib"
OBS = REF / "obsrvbl-flowlogs-reader"
ISSUES = REF / "issue-reports"
BEATS = REF / "elastic-beats-processor"

# The AWS field table order (shared/docs/flowlogs.md §2; the same v2-v5 order is elastic/beats'
# "Full list of all fields in v5 in order"). Headerless peer samples were written in it.
V2 = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes"
    " start end action log-status"
).split()
V5 = [
    *V2,
    *"vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr".split(),
    *"region az-id sublocation-type sublocation-id".split(),
    *"pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path".split(),
]
V7 = [
    *V5,
    *(
        "ecs-cluster-arn ecs-cluster-name ecs-container-instance-arn ecs-container-instance-id"
        " ecs-container-id ecs-second-container-id ecs-service-name ecs-task-definition-arn"
        " ecs-task-arn ecs-task-id"
    ).split(),
]
V8 = [*V7, "reject-reason"]
TCP_FLAG_V3 = (
    "version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport"
    " dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status"
).split()  # the AWS docs' tcp-flag example layout (tests/data/aws_docs/tcp-flag-sequence.log)

TGW_REASON = "Transit Gateway flow log record (not supported)"
COLUMNS = [f.column for f in flowsg.FIELDS]


def aws_format(names: list[str]) -> str:
    return " ".join("${" + n + "}" for n in names)


# --- helpers -------------------------------------------------------------------------------------


def query(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> list[dict[str, Any]]:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def load(paths: list[Path], log_format: str | None = None) -> duckdb.DuckDBPyConnection:
    con = flowsg.connect(":memory:")
    flowsg.load(con, paths, log_format=log_format)
    return con


def flows(con: duckdb.DuckDBPyConnection, path: Path) -> list[dict[str, Any]]:
    return query(con, "SELECT * FROM flows WHERE source_file = ? ORDER BY line_number", str(path))


def malformed(con: duckdb.DuckDBPyConnection, path: Path) -> list[tuple[int | None, str]]:
    return [
        (r["line_number"], r["reason"])
        for r in query(
            con,
            "SELECT line_number, reason FROM malformed WHERE source_file = ?"
            " ORDER BY line_number NULLS FIRST",
            str(path),
        )
    ]


def file_row(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, Any]:
    (row,) = query(con, "SELECT * FROM files WHERE source_file = ?", str(path))
    return row


def counts(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[int, int, int, int]:
    row = file_row(con, path)
    return row["lines_read"], row["headers"], row["records"], row["malformed"]


def epoch(iso: str) -> int:
    """Seconds of an ISO time such as '2025-08-20T08:32:34.000Z' or a naive UTC one."""
    moment = datetime.fromisoformat(iso.split()[0].replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def physical_lines(path: Path) -> int:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def assert_row(row: dict[str, Any], expected: dict[str, Any], where: str) -> None:
    """Every column of flows equals expected (keyed by column), NULL where expected lacks it."""
    unknown = set(expected) - set(COLUMNS)
    assert not unknown, f"{where}: expected names no flows column: {unknown}"
    for column in COLUMNS:
        assert row[column] == expected.get(column), f"{where}: {column}"


# --- every file is accounted for -----------------------------------------------------------------


def _reference_logs() -> list[Path]:
    if not REF.is_dir():
        return []
    return sorted(
        p
        for folder in FOLDERS
        if (REF / folder).is_dir()
        for p in (REF / folder).rglob("*")
        if p.is_file() and p.suffix in (".log", ".parquet")
    )


LOGS = _reference_logs()
KNOWN_NAMES = {f.name for f in flowsg.FIELDS} | {"resource-type"}


@pytest.fixture(scope="module")
def ref_con() -> Iterator[duckdb.DuckDBPyConnection]:
    """The five folders loaded by one call, headerless files in the default format."""
    con = load([REF / folder for folder in FOLDERS])
    yield con
    con.close()


def test_walk_finds_exactly_the_log_files() -> None:
    walked = flowsg.walk([REF / folder for folder in FOLDERS])
    assert sorted(Path(p) for p in walked.files) == LOGS
    assert walked.unreadable == []
    skipped = {Path(p).name for p in walked.skipped}
    assert {"aws-vpc-flow-logs.yml", "expected.json", "valid_vpc_flow_cw.json"} <= skipped


@pytest.mark.parametrize("path", LOGS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_line_accounting(ref_con: duckdb.DuckDBPyConnection, path: Path) -> None:
    row = file_row(ref_con, path)
    assert row["error"] is None
    lines_read, headers, records, bad = counts(ref_con, path)
    assert lines_read == headers + records + bad
    if path.suffix == ".parquet":
        assert row["file_type"] == "parquet"
        assert lines_read == pq.ParquetFile(path).metadata.num_rows
        assert headers == 0
    else:
        assert row["file_type"] == "text"
        assert lines_read == physical_lines(path)
        first = path.read_text(encoding="utf-8").split("\n", 1)[0].split()
        assert headers == (1 if first and first[0] in KNOWN_NAMES else 0)
    record_lines = [r["line_number"] for r in flows(ref_con, path)]
    bad_lines = [n for n, _ in malformed(ref_con, path) if n is not None]
    assert len(record_lines) == records
    assert len(bad_lines) == bad
    assert not set(record_lines) & set(bad_lines)
    assert len(set(record_lines) | set(bad_lines)) == records + bad
    assert all(1 <= n <= lines_read for n in record_lines + bad_lines)


# --- OpenTelemetry collector-contrib -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "tokens"),
    [("vpc_flow_log_too_few_fields.log", 13), ("vpc_flow_log_too_many_fields.log", 15)],
)
def test_otel_wrong_field_count(ref_con: duckdb.DuckDBPyConnection, name: str, tokens: int) -> None:
    path = OTEL / name
    assert counts(ref_con, path) == (2, 1, 0, 1)
    assert malformed(ref_con, path) == [(2, f"wrong number of fields: {tokens}, expected 14")]


def test_otel_transit_gateway_is_unsupported(ref_con: duckdb.DuckDBPyConnection) -> None:
    path = OTEL / "valid_tgw_flow_log.log"
    assert counts(ref_con, path) == (2, 1, 0, 1)
    assert malformed(ref_con, path) == [(2, TGW_REASON)]


def test_otel_nodata(ref_con: duckdb.DuckDBPyConnection) -> None:
    path = OTEL / "valid_vpc_flow_log.log"
    assert counts(ref_con, path) == (2, 1, 1, 0)
    (row,) = flows(ref_con, path)
    assert row["line_number"] == 2
    assert_row(
        row,
        {
            "version": 2,
            "account_id": "12345678910",
            "interface_id": "eni-0eb1e4178af74336c",
            "start": 1742570089,
            "end": 1742570142,
            "log_status": "NODATA",
        },
        "valid_vpc_flow_log.log",
    )


def test_otel_ecs_fields(ref_con: duckdb.DuckDBPyConnection) -> None:
    path = OTEL / "valid_vpc_flow_log_ecs.log"
    assert counts(ref_con, path) == (2, 1, 1, 0)
    (row,) = flows(ref_con, path)
    arn = "arn:aws:ecs:us-east-1:123456789012"
    assert_row(
        row,
        {
            "version": 5,
            "account_id": "123456789012",
            "interface_id": "eni-0abc1234def567890",
            "srcaddr": "10.0.1.100",
            "dstaddr": "10.0.2.200",
            "srcport": 49152,
            "dstport": 22,
            "protocol": 6,
            "packets": 15,
            "bytes": 3500,
            "start": 1700000000,
            "end": 1700000060,
            "action": "ACCEPT",
            "log_status": "OK",
            "ecs_cluster_arn": f"{arn}:cluster/my-cluster",
            "ecs_cluster_name": "my-cluster",
            "ecs_container_instance_arn": f"{arn}:container-instance/my-cluster/abcdef",
            "ecs_container_instance_id": "abcdef1234567890",
            "ecs_container_id": "container-1",
            "ecs_second_container_id": "container-2",
            "ecs_service_name": "my-service",
            "ecs_task_definition_arn": f"{arn}:task-definition/my-task:1",
            "ecs_task_arn": f"{arn}:task/my-cluster/abcdef",
            "ecs_task_id": "abcdef1234567890",
        },
        "valid_vpc_flow_log_ecs.log",
    )


OTEL_KEYS = {
    "aws.vpc.flow.log.version": "version",
    "network.interface.name": "interface_id",
    "source.address": "srcaddr",
    "destination.address": "dstaddr",
    "source.port": "srcport",
    "destination.port": "dstport",
    "network.protocol.name": "protocol",
    "aws.vpc.flow.packets": "packets",
    "aws.vpc.flow.bytes": "bytes",
    "aws.vpc.flow.start": "start",
    "aws.vpc.flow.action": "action",
    "aws.vpc.flow.status": "log_status",
}
OTEL_PROTOCOLS = {"tcp": 6, "udp": 17, "icmp": 1}


def otel_expected(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(resource attributes, one dict of flows columns per log record) from an OTLP YAML file.

    A small reader for the layout of these expected files (no YAML library is a dependency):
    ``- key: K`` followed by ``intValue: "N"`` or ``stringValue: S``; records start at
    ``- attributes:`` under logRecords; scope attributes are ignored.
    """
    resource: dict[str, Any] = {}
    records: list[dict[str, Any]] = []
    target: dict[str, Any] = resource
    key = None
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if text == "- attributes:":
            target = {}
            records.append(target)
        elif text.startswith("scope:"):
            target = {}
        elif text.startswith("- key: "):
            key = text.removeprefix("- key: ")
        elif key and text.startswith(("intValue: ", "stringValue: ")):
            kind, value = text.split(": ", 1)
            target[key] = int(value.strip('"')) if kind == "intValue" else value.strip('"')
            key = None
        elif text.startswith("timeUnixNano: "):
            target["timeUnixNano"] = int(text.split(": ", 1)[1].strip('"'))
    columns = []
    for attributes in records:
        out: dict[str, Any] = {}
        for name, value in attributes.items():
            if name == "timeUnixNano":
                out["end"] = value // 10**9
            elif name == "network.protocol.name":
                out["protocol"] = OTEL_PROTOCOLS[value]
            else:
                out[OTEL_KEYS[name]] = value  # KeyError: an attribute this test does not map
        if "cloud.account.id" in resource:
            out["account_id"] = resource["cloud.account.id"]
        columns.append(out)
    return resource, columns


def assert_otel_rows(rows: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert len(rows) == len(expected)
    for row, want in zip(rows, expected, strict=True):
        for column, value in want.items():
            assert row[column] == value, (row["line_number"], column)


def test_otel_multi_against_expected_yaml(ref_con: duckdb.DuckDBPyConnection) -> None:
    path = OTEL / "valid_vpc_flow_log_multi.log"  # no trailing newline
    assert counts(ref_con, path) == (3, 1, 2, 0)
    _, expected = otel_expected(OTEL / "valid_vpc_flow_log_expected_multi.yaml")
    rows = flows(ref_con, path)
    assert [r["line_number"] for r in rows] == [2, 3]
    assert_otel_rows(rows, expected)


@pytest.mark.parametrize(
    ("payload", "expected_yaml", "log_format"),
    [
        ("valid_vpc_flow_cw.json", "valid_vpc_flow_cw_expected.yaml", None),
        (
            "valid_vpc_flow_cw_custom.json",
            "valid_vpc_flow_cw_custom_expected.yaml",
            "${version} ${interface-id} ${srcaddr} ${dstaddr}",
        ),
    ],
)
def test_otel_cloudwatch_payload(
    tmp_path: Path, payload: str, expected_yaml: str, log_format: str | None
) -> None:
    """A decoded CloudWatch subscription payload is one JSON object without a top-level
    "message": as a file it is one quarantined line. Its logEvents' messages, written one per
    line (what a consumer of the subscription hands on), load as the peer expects."""
    document = json.loads((OTEL / payload).read_text(encoding="utf-8"))
    con = load([OTEL / payload])
    assert counts(con, OTEL / payload) == (1, 0, 0, 1)
    assert malformed(con, OTEL / payload) == [(1, 'JSON line without a "message" member')]

    events = tmp_path / "events.log"
    events.write_text("".join(e["message"] + "\n" for e in document["logEvents"]))
    con = load([events], log_format)
    n = len(document["logEvents"])
    assert counts(con, events) == (n, 0, n, 0)
    resource, expected = otel_expected(OTEL / expected_yaml)
    assert resource["aws.log.stream.names"] == document["logStream"]
    assert_otel_rows(flows(con, events), expected)
    # The same records wrapped as {"message": ...} lines (Firehose style) load identically.
    wrapped = tmp_path / "wrapped.log"
    wrapped.write_text("".join(json.dumps(e) + "\n" for e in document["logEvents"]))
    con = load([wrapped], log_format)
    assert counts(con, wrapped) == (n, 0, n, 0)
    assert_otel_rows(flows(con, wrapped), expected)


# --- elastic/integrations ------------------------------------------------------------------------


def elastic_columns(event: dict[str, Any]) -> dict[str, Any]:
    """The flows columns an elastic/integrations expected event states ('-' fields omitted)."""
    v = event["aws"]["vpcflow"]
    understood = {
        "account_id", "action", "instance_id", "interface_id", "log_status", "pkt_srcaddr",
        "pkt_dstaddr", "subnet_id", "type", "vpc_id", "version", "tcp_flags", "traffic_path",
        "pkt_src_service", "pkt_dst_service", "ecs_container_id", "ecs_second_container_id",
        "ecs_task_arn", "ecs_task_definition_arn", "ecs_task_id", "tcp_flags_array", "sublocation",
    }  # fmt: skip
    assert set(v) <= understood, set(v) - understood
    assert v.get("sublocation", {}) == {}
    out: dict[str, Any] = {}
    for key in understood - {"tcp_flags_array", "sublocation"}:
        if key not in v:
            continue
        column = {"pkt_src_service": "pkt_src_aws_service"}.get(key, key)
        column = {"pkt_dst_service": "pkt_dst_aws_service"}.get(column, column)
        integer = key in ("version", "tcp_flags", "traffic_path")
        out[column] = int(v[key]) if integer else v[key]
    if "source" in event:
        out["srcaddr"], out["srcport"] = event["source"]["ip"], event["source"]["port"]
    if "destination" in event:
        out["dstaddr"] = event["destination"]["ip"]
        out["dstport"] = event["destination"]["port"]
    network = event.get("network", {})
    for key in ("bytes", "packets"):
        if key in network:
            out[key] = network[key]
    if "direction" in network:
        out["flow_direction"] = network["direction"]
    if "iana_number" in network:
        out["protocol"] = int(network["iana_number"])
    out["start"], out["end"] = epoch(event["event"]["start"]), epoch(event["event"]["end"])
    if "reason" in event["event"]:
        out["reject_reason"] = event["event"]["reason"]
    cloud = event["cloud"]
    assert cloud["account"]["id"] == out["account_id"]
    for key, column in (("region", "region"), ("availability_zone", "az_id")):
        if cloud.get(key, "-") != "-":
            out[column] = cloud[key]
    if "orchestrator" in event:
        out["ecs_cluster_arn"] = event["orchestrator"]["cluster"]["id"]
        out["ecs_cluster_name"] = event["orchestrator"]["cluster"]["name"]
        out["ecs_container_instance_id"] = event["orchestrator"]["resource"]["id"]
        out["ecs_container_instance_arn"] = event["orchestrator"]["resource"]["name"]
    if "service" in event:
        out["ecs_service_name"] = event["service"]["name"]
    return out


def elastic_expected(log: Path) -> list[dict[str, Any]]:
    document = json.loads(Path(f"{log}-expected.json").read_text(encoding="utf-8"))
    events: list[dict[str, Any]] = document["expected"]
    return events


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("test-tcp-flag-sequence.log", TCP_FLAG_V3),
        ("test-v5-all-fields.log", V5),
        ("test-v8-samples.log", V8),
    ],
)
def test_elastic_headerless_against_expected(
    ref_con: duckdb.DuckDBPyConnection, name: str, fields: list[str]
) -> None:
    """These files have no header: in the default format every line has the wrong number of
    fields; with the format they were written in, every record matches elastic's output."""
    path = EI / name
    raw = path.read_text(encoding="utf-8").splitlines()
    assert raw[0].split()[0] not in KNOWN_NAMES  # no header line
    n = len(raw)
    assert counts(ref_con, path) == (n, 0, 0, n)
    assert malformed(ref_con, path) == [
        (i, f"wrong number of fields: {len(fields)}, expected 14") for i in range(1, n + 1)
    ]

    con = load([path], aws_format(fields))
    assert counts(con, path) == (n, 0, n, 0)
    events = elastic_expected(path)
    rows = flows(con, path)
    assert len(rows) == len(events) == n
    for i, (row, event) in enumerate(zip(rows, events, strict=True), start=1):
        assert event["event"]["original"] == raw[i - 1]
        assert row["line_number"] == i
        expected = elastic_columns(event)
        for field in fields:
            column = field.replace("-", "_")
            assert row[column] == expected.get(column), (name, i, field)
        for column in set(COLUMNS) - {f.replace("-", "_") for f in fields}:
            assert row[column] is None, (name, i, column)


def test_elastic_v8_reject_reason_bpa() -> None:
    path = EI / "test-v8-samples.log"
    con = load([path], aws_format(V8))
    (row,) = flows(con, path)
    assert (row["action"], row["reject_reason"]) == ("REJECT", "BPA")
    assert (row["srcaddr"], row["dstaddr"], row["flow_direction"]) == (
        "2a02:cf40::",
        "1.128.0.0",
        "ingress",
    )
    assert row["srcaddr_hi"] == 0x2A02CF4000000000 - 2**63
    assert row["srcaddr_lo"] == -(2**63)


def test_elastic_v5_typo_start_is_kept() -> None:
    """start 164000066 (a typo in elastic's sample, 1975) is a valid integer and stays as is."""
    path = EI / "test-v5-all-fields.log"
    con = load([path], aws_format(V5))
    (row,) = flows(con, path)
    assert (row["start"], row["end"]) == (164000066, 1640000297)
    assert (row["pkt_src_aws_service"], row["pkt_dst_aws_service"]) == ("AMAZON", "CLOUDFRONT")
    assert (row["sublocation_type"], row["sublocation_id"]) == (None, None)


def test_elastic_ecs_samples(ref_con: duckdb.DuckDBPyConnection) -> None:
    """39-field v7 lines (no expected file): wrong in the default format; with the v2-v7 field
    order, the ARNs line up with the names and ids taken from them."""
    path = EI / "test-ecs-samples.log"
    assert counts(ref_con, path) == (10, 0, 0, 10)
    assert {reason for _, reason in malformed(ref_con, path)} == {
        "wrong number of fields: 39, expected 14"
    }
    con = load([path], aws_format(V7))
    assert counts(con, path) == (10, 0, 10, 0)
    rows = flows(con, path)
    for row in rows:
        where = row["line_number"]
        assert row["version"] == 3 and row["account_id"] == "000000000000", where
        assert row["interface_id"] is None, where
        assert row["ecs_cluster_arn"].endswith(":cluster/" + row["ecs_cluster_name"]), where
        assert row["ecs_container_instance_arn"].endswith("/" + row["ecs_container_instance_id"])
        assert row["ecs_task_arn"].endswith("/" + row["ecs_task_id"]), where
        assert ":task-definition/" in row["ecs_task_definition_arn"], where
        assert row["ecs_service_name"].endswith("-service"), where
        assert row["flow_direction"] in ("ingress", "egress"), where
        for column in V5[14:27]:  # vpc-id .. pkt-dst-aws-service are '-'
            assert row[column.replace("-", "_")] is None, (where, column)
    first = rows[0]
    assert (first["srcaddr"], first["dstaddr"], first["srcport"], first["dstport"]) == (
        "1.128.0.0",
        "2a02:cf40::",
        64072,
        22,
    )
    assert (first["ecs_container_id"], first["ecs_second_container_id"]) == (
        "574fc0af-908",
        "816bc224-160",
    )


def test_elastic_tgw_samples_are_not_default_format(ref_con: duckdb.DuckDBPyConnection) -> None:
    """Synthetic TGW-style lines without a header: 36 tokens, not the default 14."""
    path = EI / "test-tgw-samples.log"
    assert counts(ref_con, path) == (10, 0, 0, 10)
    assert malformed(ref_con, path) == [
        (i, "wrong number of fields: 36, expected 14") for i in range(1, 11)
    ]


def test_elastic_extra_samples(ref_con: duckdb.DuckDBPyConnection) -> None:
    path = EI / "test-extra-samples.log"  # default format, no header, no trailing newline
    assert counts(ref_con, path) == (7, 0, 7, 0)
    rows = flows(ref_con, path)
    assert [r["log_status"] for r in rows] == ["OK", "NODATA", "SKIPDATA", "OK", "OK", "OK", "OK"]
    assert [r["action"] for r in rows] == [
        "ACCEPT", None, None, "ACCEPT", "REJECT", "ACCEPT", "REJECT",
    ]  # fmt: skip
    v6 = "2a02:cf40:add:4002:91f2:a9b2:e09a:6fc6"
    assert (rows[0]["srcaddr"], rows[0]["dstaddr"]) == (v6, v6)
    assert rows[2]["interface_id"] == "eni-89.160.20.1561aaaaaaaaa"  # a text field: kept as is
    assert (rows[5]["protocol"], rows[5]["srcport"], rows[5]["dstport"]) == (1, 0, 0)


@pytest.mark.parametrize(
    "path",
    [
        EI / "test-with-message-field.log",
        ISSUES / "elastic-integrations-4830-message-wrapped.log",
    ],
    ids=["elastic-test-with-message-field", "issue-4830"],
)
def test_message_wrapped_nodata(ref_con: duckdb.DuckDBPyConnection, path: Path) -> None:
    assert counts(ref_con, path) == (1, 0, 1, 0)
    (row,) = flows(ref_con, path)
    assert row["line_number"] == 1
    assert_row(
        row,
        {
            "version": 2,
            "account_id": "428961148399",
            "interface_id": "eni-0e0bf7be352692297",
            "start": 1671029698,
            "end": 1671029728,
            "log_status": "NODATA",
        },
        path.name,
    )


# --- issue reports -------------------------------------------------------------------------------


def test_issue_8532_alphabetical_v5_skipdata(ref_con: duckdb.DuckDBPyConnection) -> None:
    path = ISSUES / "elastic-integrations-8532-skipdata-v5-alphabetical.log"
    header = path.read_text(encoding="utf-8").splitlines()[0].split()
    assert header == sorted(header) and len(header) == 29
    assert counts(ref_con, path) == (2, 1, 1, 0)
    (row,) = flows(ref_con, path)
    assert row["line_number"] == 2
    assert_row(
        row,
        {
            "version": 5,
            "account_id": "325352056000",
            "interface_id": "eni-03a3504cbdd789000",
            "instance_id": "i-085c8f3d12aa57000",
            "subnet_id": "subnet-f27b1000",
            "vpc_id": "vpc-bcd5b000",
            "region": "ap-northeast-1",
            "az_id": "apne1-az1",
            "start": 1700185000,
            "end": 1700185000,
            "log_status": "SKIPDATA",
        },
        path.name,
    )
    assert (row["flow_direction"], row["traffic_path"], row["action"]) == (None, None, None)


# --- obsrvbl flowlogs-reader ---------------------------------------------------------------------

OBS_CASES: dict[str, Any] = (
    json.loads((OBS / "expected.json").read_text(encoding="utf-8"))["cases"]
    if (OBS / "expected.json").is_file()
    else {}
)


def obsrvbl_columns(expected: dict[str, Any]) -> dict[str, Any]:
    """flowlogs-reader's record: '-' fields dropped, start/end as naive UTC datetimes."""
    out = dict(expected)
    out["start"], out["end"] = epoch(out["start"]), epoch(out["end"])
    return out


def test_obsrvbl_v2_records(ref_con: duckdb.DuckDBPyConnection) -> None:
    path = OBS / "v2_records.log"
    assert counts(ref_con, path) == (5, 0, 5, 0)
    rows = flows(ref_con, path)
    expected = OBS_CASES["FlowRecordTestCase.test_parse"]["expected"]
    assert_row(rows[0], obsrvbl_columns(expected), "v2_records.log line 1")
    assert [(r["interface_id"], r["action"], r["log_status"]) for r in rows[3:]] == [
        ("eni-1a2b3c4d", None, "NODATA"),
        ("eni-4b118871", None, "SKIPDATA"),
    ]


@pytest.mark.parametrize(
    ("name", "case", "lines", "bad"),
    [
        ("v3_file.log", "S3FlowLogsReaderTestCase.test_serial", 3, []),
        ("v4_file.log", "S3FlowLogsReaderTestCase.test_serial_v4", 3, []),
        (
            "v5_file.log",
            "S3FlowLogsReaderTestCase.test_serial_v5",
            4,
            [(4, "wrong number of fields: 2, expected 29")],  # the 'bogus line'
        ),
    ],
)
def test_obsrvbl_alphabetical_headers(
    ref_con: duckdb.DuckDBPyConnection,
    name: str,
    case: str,
    lines: int,
    bad: list[tuple[int, str]],
) -> None:
    path = OBS / name
    expected = OBS_CASES[case]["expected"]
    assert counts(ref_con, path) == (lines, 1, len(expected), len(bad))
    assert malformed(ref_con, path) == bad
    rows = flows(ref_con, path)
    assert [r["line_number"] for r in rows] == [2, 3]
    for row, want in zip(rows, expected, strict=True):
        assert_row(row, obsrvbl_columns(want), f"{name} line {row['line_number']}")


def test_obsrvbl_v6_is_transit_gateway(ref_con: duckdb.DuckDBPyConnection) -> None:
    path = OBS / "v6_file.log"
    assert OBS_CASES["S3FlowLogsReaderTestCase.test_serial_v6"]["expected"][0]["tgw_id"]
    assert counts(ref_con, path) == (2, 1, 0, 1)
    assert malformed(ref_con, path) == [(2, TGW_REASON)]


def test_obsrvbl_parquet_with_none_strings(ref_con: duckdb.DuckDBPyConnection) -> None:
    """flows.parquet is synthetic: srcport..bytes are string columns holding 'None' where AWS
    would have '-' (null). flowlogs-reader drops them; flowsg quarantines such a row under the
    first bad field, naming it in the reason and in raw (name=value pairs)."""
    path = OBS / "flows.parquet"
    assert counts(ref_con, path) == (3, 0, 1, 2)
    (row,) = flows(ref_con, path)
    expected = OBS_CASES["S3FlowLogsReaderTestCase.test_serial_parquet"]["expected"]
    assert row["line_number"] == 1
    assert_row(row, obsrvbl_columns(expected[0]), "flows.parquet row 1")
    bad = query(
        ref_con,
        "SELECT line_number, reason, raw FROM malformed WHERE source_file = ? ORDER BY 1",
        str(path),
    )
    assert [(r["line_number"], r["reason"]) for r in bad] == [
        (2, "not an integer: srcport"),
        (3, "out of range: protocol"),  # protocol 8080 comes before packets 'None'
    ]
    assert "srcport=None" in bad[0]["raw"].split()
    assert "interface-id=eni-202010ab" in bad[0]["raw"].split()
    assert {"protocol=8080", "packets=None", "bytes=None"} <= set(bad[1]["raw"].split())


# --- elastic/beats processor test table ----------------------------------------------------------


def beats_cases() -> dict[str, tuple[str, list[str]]]:
    """{case: (format, samples)} from aws-vpc-flow-logs.yml, read without a YAML library.

    Cases that only reuse another's samples through a YAML merge key (``<<: *v5-fields``) have
    no format of their own and are left out. A plain (unquoted) sample ends at ' #', as in YAML.
    """
    cases: dict[str, dict[str, Any]] = {}
    name = ""
    for line in (BEATS / "aws-vpc-flow-logs.yml").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#") or line == "---":
            continue
        if not line.startswith(" "):
            name = line.split(":", 1)[0]
            cases[name] = {"format": None, "samples": []}
        elif line.startswith("  format: "):
            cases[name]["format"] = line.removeprefix("  format: ")
        elif line.startswith("    - "):
            value = line.removeprefix("    - ")
            if value.startswith("'"):
                value = value[1:-1].replace("''", "'")
            else:
                value = re.sub(r" #.*$", "", value)
            cases[name]["samples"].append(value)
    return {k: (v["format"], v["samples"]) for k, v in cases.items() if v["format"]}


BEATS_CASES = beats_cases() if (BEATS / "aws-vpc-flow-logs.yml").is_file() else {}


def load_beats_case(tmp_path: Path, case: str) -> tuple[duckdb.DuckDBPyConnection, Path, int]:
    fmt, samples = BEATS_CASES[case]
    path = tmp_path / f"{case}.log"
    path.write_text("".join(s + "\n" for s in samples), encoding="utf-8")
    return load([path], aws_format(fmt.split())), path, len(samples)


def test_beats_table_has_the_expected_cases() -> None:
    assert sorted(BEATS_CASES) == sorted(
        [
            "default-v2-format",
            "tcp-flag-sequence",
            "custom-nat-gateway",
            "transit-gateway",
            "service-name-path-direction",
            "v5-fields-original",
            "v6-fields-original",
            "v7-fields-original",
        ]
    )


@pytest.mark.parametrize(
    "case",
    [
        "default-v2-format",
        "tcp-flag-sequence",
        "custom-nat-gateway",
        "transit-gateway",
        "service-name-path-direction",
    ],
)
def test_beats_doc_samples_equal_the_aws_docs_records(tmp_path: Path, case: str) -> None:
    """These cases are the AWS doc examples: each sample, loaded with the case's format, gives
    the fields tests/data/aws_docs/expected.json states for the same raw line."""
    docs = json.loads((AWS_DOCS / "expected.json").read_text(encoding="utf-8"))["files"]
    by_raw = {r["raw"]: r["fields"] for f in docs.values() for r in f["records"]}
    con, path, n = load_beats_case(tmp_path, case)
    assert counts(con, path) == (n, 0, n, 0)
    for row, sample in zip(flows(con, path), BEATS_CASES[case][1], strict=True):
        want = {k.replace("-", "_"): v for k, v in by_raw[sample].items()}
        assert_row(row, want, f"{case}: {sample}")


def test_beats_default_v2_against_golden(tmp_path: Path) -> None:
    con, path, n = load_beats_case(tmp_path, "default-v2-format")
    golden = json.loads((BEATS / "default-v2-format.golden.json").read_text(encoding="utf-8"))
    rows = flows(con, path)
    assert len(rows) == len(golden) == n
    for row, event in zip(rows, golden, strict=True):
        expected = {
            "version": event["aws"]["vpcflow"]["version"],
            "account_id": event["cloud"]["account"]["id"],
            "interface_id": event["aws"]["vpcflow"]["interface_id"],
            "log_status": event["aws"]["vpcflow"]["log_status"],
            "start": epoch(event["event"]["start"]),
            "end": epoch(event["event"]["end"]),
        }
        if "action" in event["event"]:
            expected["action"] = event["event"]["action"].upper()
        if "source" in event:
            expected |= {
                "srcaddr": event["source"]["ip"],
                "srcport": event["source"]["port"],
                "dstaddr": event["destination"]["ip"],
                "dstport": event["destination"]["port"],
                "protocol": int(event["network"]["iana_number"]),
                "packets": event["network"]["packets"],
                "bytes": event["network"]["bytes"],
            }
        assert_row(row, expected, event["message"])


@pytest.mark.parametrize("case", ["v5-fields-original", "v7-fields-original"])
def test_beats_original_mode_against_golden(tmp_path: Path, case: str) -> None:
    """'original' mode goldens hold every non-'-' field under its underscore name, typed."""
    con, path, _ = load_beats_case(tmp_path, case)
    (event,) = json.loads((BEATS / f"{case}.golden.json").read_text(encoding="utf-8"))
    (row,) = flows(con, path)
    assert event["message"] == BEATS_CASES[case][1][0]
    expected = {k: v for k, v in event["aws"]["vpcflow"].items() if k != "tcp_flags_array"}
    expected["start"], expected["end"] = epoch(expected["start"]), epoch(expected["end"])
    assert_row(row, expected, case)


def test_beats_v6_transit_gateway_is_unsupported(tmp_path: Path) -> None:
    con, path, n = load_beats_case(tmp_path, "v6-fields-original")
    assert n == 1
    assert counts(con, path) == (1, 0, 0, 1)
    assert malformed(con, path) == [(1, TGW_REASON)]
