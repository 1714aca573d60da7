"""`flowsg snapshot` against moto running as a real HTTP server on localhost (started and stopped
here; boto3 talks to it over HTTP through AWS_ENDPOINT_URL, with fake credentials set only in the
test's environment). Error paths go through a small HTTP proxy in front of moto that answers
chosen API calls with AWS's own error responses (AccessDenied, expired token, throttling)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aws_testing import (
    ACCESS_KEY,
    REGION,
    SECRET,
    Proxy,
    error_line,
    fake_credentials,
    run,
)

import flowsg

boto3 = pytest.importorskip("boto3", reason="boto3 is not installed (pip install -e '.[test]')")
moto_server = pytest.importorskip(
    "moto.server", reason="moto[server] is not installed (pip install -e '.[test]')"
)
botocore_session = pytest.importorskip("botocore.session")

from flowsg.aws.snapshot import APIS, IAM_ACTIONS, take_snapshot  # noqa: E402

OTHER_REGION = "eu-west-1"
API_FILES = {filename: key for _, key, filename, _ in APIS}


# --- the moto server and the account in it --------------------------------------------------------


@pytest.fixture(scope="module")
def world(moto_url: str) -> dict[str, str]:
    """A VPC with every kind of rule, interfaces and ACLs in moto; the ids by name."""
    ids: dict[str, str] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        mp.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
        ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=moto_url)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        web_net = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
        db_net = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
        admin = ec2.create_managed_prefix_list(
            PrefixListName="admins",
            MaxEntries=5,
            AddressFamily="IPv4",
            Entries=[{"Cidr": "198.51.100.0/24", "Description": "office"}],
        )["PrefixList"]["PrefixListId"]
        lists = ec2.describe_managed_prefix_lists()["PrefixLists"]
        s3 = next(p["PrefixListId"] for p in lists if p["PrefixListName"].endswith(".s3"))
        web = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
        db = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=web,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 443,
                    "ToPort": 443,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
                    "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
                },
                {
                    "IpProtocol": "tcp",
                    "FromPort": 22,
                    "ToPort": 22,
                    "PrefixListIds": [{"PrefixListId": admin}],
                },
                {
                    "IpProtocol": "icmp",
                    "FromPort": 8,
                    "ToPort": -1,
                    "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
                },
                {
                    "IpProtocol": "udp",
                    "FromPort": 1000,
                    "ToPort": 2000,
                    "IpRanges": [{"CidrIp": "10.2.0.0/16"}],
                },
            ],
        )
        ec2.authorize_security_group_egress(
            GroupId=web,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 443,
                    "ToPort": 443,
                    "PrefixListIds": [{"PrefixListId": s3}],
                }
            ],
        )
        ec2.authorize_security_group_ingress(
            GroupId=db,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 5432,
                    "ToPort": 5432,
                    "UserIdGroupPairs": [{"GroupId": web}],
                },
                {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.9.0.0/16"}]},
            ],
        )
        web_eni = ec2.create_network_interface(
            SubnetId=web_net, Groups=[web], PrivateIpAddress="10.0.1.10"
        )["NetworkInterface"]["NetworkInterfaceId"]
        db_eni = ec2.create_network_interface(
            SubnetId=db_net, Groups=[db], PrivateIpAddress="10.0.2.20"
        )["NetworkInterface"]["NetworkInterfaceId"]
        acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
        for egress in (False, True):
            ec2.create_network_acl_entry(
                NetworkAclId=acl,
                RuleNumber=100,
                Protocol="-1",
                RuleAction="allow",
                Egress=egress,
                CidrBlock="0.0.0.0/0",
            )
        ec2.create_network_acl_entry(
            NetworkAclId=acl,
            RuleNumber=50,
            Protocol="6",
            RuleAction="deny",
            Egress=False,
            CidrBlock="192.0.2.0/24",
            PortRange={"From": 443, "To": 443},
        )
        association = next(
            a["NetworkAclAssociationId"]
            for a in ec2.describe_network_acls(
                Filters=[{"Name": "association.subnet-id", "Values": [web_net]}]
            )["NetworkAcls"][0]["Associations"]
            if a["SubnetId"] == web_net
        )
        ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl)
        other = boto3.client("ec2", region_name=OTHER_REGION, endpoint_url=moto_url)
        other_vpc = other.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
        eu = other.create_security_group(GroupName="eu", Description="eu", VpcId=other_vpc)
        ids.update(
            vpc=vpc, web=web, db=db, admin=admin, s3=s3, web_eni=web_eni, db_eni=db_eni, acl=acl,
            eu=eu["GroupId"],
        )  # fmt: skip
    return ids


@pytest.fixture
def aws(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, moto_url: str, world: dict[str, str]
) -> dict[str, str]:
    fake_credentials(monkeypatch, tmp_path, moto_url)
    return world


def no_secret_in(result: Any, folder: Path | None = None) -> None:
    texts = [result.stdout, result.stderr]
    if folder is not None and folder.exists():
        texts += [p.read_text() for p in folder.rglob("*") if p.is_file()]
    for text in texts:
        assert SECRET not in text
        assert ACCESS_KEY not in text


# --- the files ----------------------------------------------------------------------------------


def check_shape(value: Any, shape: Any, where: str) -> None:
    """Every key of value is a member of botocore's output shape (what the AWS CLI prints)."""
    if shape.type_name == "structure":
        assert isinstance(value, dict), where
        unknown = set(value) - set(shape.members)
        assert not unknown, f"{where}: {sorted(unknown)} not in {shape.name}"
        for key, member in value.items():
            check_shape(member, shape.members[key], f"{where}.{key}")
    elif shape.type_name == "list":
        assert isinstance(value, list), where
        for i, item in enumerate(value):
            check_shape(item, shape.member, f"{where}[{i}]")


def test_snapshot_writes_what_the_aws_cli_prints(aws: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "snap"
    result = run("snapshot", "--out", str(out), "--region", REGION, "--region", OTHER_REGION)
    assert result.exit_code == 0, result.output
    assert f"Snapshot of account 123456789012 written to {out}" in result.stdout
    no_secret_in(result, out)

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["account_id"] == "123456789012"
    assert manifest["regions"] == [REGION, OTHER_REGION]
    assert manifest["flowsg_version"] == flowsg.__version__
    taken = datetime.fromisoformat(manifest["taken_at"].replace("Z", "+00:00"))
    assert abs((datetime.now(UTC) - taken).total_seconds()) < 300
    assert sorted(p.name for p in out.iterdir()) == sorted([OTHER_REGION, REGION, "manifest.json"])
    assert not list(tmp_path.glob(".snap.*")), "the temporary folder is left behind"

    model = botocore_session.get_session().get_service_model("ec2")
    operations = {filename: op for op, _, filename, _ in APIS}
    names = {
        "describe_security_groups": "DescribeSecurityGroups",
        "describe_security_group_rules": "DescribeSecurityGroupRules",
        "describe_network_interfaces": "DescribeNetworkInterfaces",
        "describe_network_acls": "DescribeNetworkAcls",
        "describe_managed_prefix_lists": "DescribeManagedPrefixLists",
    }
    files = sorted(p.name for p in (out / REGION).iterdir())
    assert files == sorted([*API_FILES, f"{aws['admin']}.json", f"{aws['s3']}.json"])
    for name in files:
        document = json.loads((out / REGION / name).read_text())
        operation = names[operations[name]] if name in API_FILES else "GetManagedPrefixListEntries"
        shape = model.operation_model(operation).output_shape
        key = API_FILES.get(name, "Entries")
        assert list(document) == [key], name  # no NextToken, no ResponseMetadata
        check_shape(document, shape, name)
    assert (out / REGION / f"{aws['admin']}.json").read_text().count("198.51.100.0/24") == 1
    groups = json.loads((out / OTHER_REGION / "describe-security-groups.json").read_text())
    assert aws["eu"] in {g["GroupId"] for g in groups["SecurityGroups"]}

    con = flowsg.connect(":memory:")
    try:
        loaded = flowsg.load_snapshot(con, out)
        assert loaded.rules_source == "SecurityGroupRules"
        assert loaded.problems == () and loaded.skipped == ()
        assert loaded.taken_at == (taken,)
        rules = con.execute(
            "SELECT group_id, direction, protocol, from_port, to_port, peer_kind, peer "
            "FROM rules WHERE group_id IN (?, ?)",
            [aws["web"], aws["db"]],
        ).fetchall()
        assert set(rules) >= {
            (aws["web"], "ingress", 6, 443, 443, "cidr4", "0.0.0.0/0"),
            (aws["web"], "ingress", 6, 443, 443, "cidr6", "::/0"),
            (aws["web"], "ingress", 6, 22, 22, "prefix_list", aws["admin"]),
            (aws["web"], "ingress", 1, 8, -1, "cidr4", "10.0.0.0/8"),
            (aws["web"], "ingress", 17, 1000, 2000, "cidr4", "10.2.0.0/16"),
            (aws["web"], "egress", 6, 443, 443, "prefix_list", aws["s3"]),
            (aws["db"], "ingress", 6, 5432, 5432, "security_group", aws["web"]),
            (aws["db"], "ingress", -1, -1, -1, "cidr4", "10.9.0.0/16"),
        }
        files_table = con.execute("SELECT key FROM snapshot_files WHERE key IS NULL").fetchall()
        assert files_table == []
    finally:
        con.close()


def flow(eni: str, src: str, dst: str, sport: int, dport: int, proto: int, action: str) -> str:
    return (
        f"2 123456789012 {eni} {src} {dst} {sport} {dport} {proto} 5 500 "
        f"{START} {START + 60} {action} OK"
    )


START = int(datetime.now(UTC).timestamp()) - 3600
HEADER = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes"
    " start end action log-status"
)


def test_analyze_against_the_moto_snapshot(aws: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "snap"
    assert run("snapshot", "--out", str(out)).exit_code == 0
    web, db = aws["web_eni"], aws["db_eni"]
    records = [
        flow(web, "203.0.113.10", "10.0.1.10", 50000, 443, 6, "ACCEPT"),  # 0.0.0.0/0
        flow(web, "198.51.100.7", "10.0.1.10", 50001, 22, 6, "ACCEPT"),  # the prefix list
        flow(db, "10.0.1.10", "10.0.2.20", 50002, 5432, 6, "ACCEPT"),  # the referenced group
        flow(db, "10.9.3.4", "10.0.2.20", 50003, 9999, 17, "ACCEPT"),  # protocol -1
        flow(web, "10.2.0.9", "10.0.1.10", 50004, 1500, 17, "ACCEPT"),  # a port range
        flow(web, "203.0.113.99", "10.0.1.10", 50005, 23, 6, "REJECT"),  # no rule
        flow(web, "192.0.2.5", "10.0.1.10", 50006, 443, 6, "REJECT"),  # the ACL denies it
        # no ingress rule allows it; as a reply to the default all-traffic egress rule it is one
        flow(db, "203.0.113.10", "10.0.2.20", 50007, 5432, 6, "ACCEPT"),
    ]
    log = tmp_path / "flows.log"
    log.write_text("\n".join([HEADER, *records]) + "\n")
    db_file = tmp_path / "f.duckdb"
    result = run("analyze", str(log), "--snapshot", str(out), "--db", str(db_file))
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr  # taken an hour after the records: close enough
    con = flowsg.connect(str(db_file))
    try:
        rows = con.execute(
            "SELECT f.srcport, f.verdict, list_sort(list(r.peer)) FROM flows f "
            "LEFT JOIN (SELECT rule_id, peer FROM rules) r ON list_contains(f.matched_rule_ids, "
            "r.rule_id) GROUP BY ALL ORDER BY f.srcport"
        ).fetchall()
    finally:
        con.close()
    peers = {port: (verdict, [p for p in peer if p]) for port, verdict, peer in rows}
    assert peers == {
        50000: ("allowed", ["0.0.0.0/0"]),
        50001: ("allowed", [aws["admin"]]),
        50002: ("allowed", [aws["web"]]),
        50003: ("allowed", ["10.9.0.0/16"]),
        50004: ("allowed", ["10.2.0.0/16"]),
        50005: ("no_rule", []),
        50006: ("blocked_elsewhere", ["0.0.0.0/0"]),
        50007: ("return", ["0.0.0.0/0"]),
    }


def test_analyze_warns_when_the_snapshot_is_far_from_the_logs(
    aws: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "snap"
    assert run("snapshot", "--out", str(out)).exit_code == 0
    log = tmp_path / "old.log"
    old = START - 10 * 86400
    log.write_text(
        f"{HEADER}\n2 123456789012 {aws['web_eni']} 203.0.113.10 10.0.1.10 50000 443 6 5 500 "
        f"{old} {old + 60} ACCEPT OK\n"
    )
    result = run("analyze", str(log), "--snapshot", str(out), "--db", ":memory:")
    assert result.exit_code == 0, result.output
    warning = error_line(result)
    assert warning.startswith("flowsg: warning: the snapshot was taken ")
    assert "days after the last record" in warning and "may have changed" in warning


def test_snapshot_replaces_an_earlier_one_and_refuses_other_folders(
    aws: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "snap"
    assert run("snapshot", "--out", str(out), "--region", OTHER_REGION).exit_code == 0
    assert run("snapshot", "--out", str(out)).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([REGION, "manifest.json"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap"]
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    result = run("snapshot", "--out", str(busy))
    assert result.exit_code == 2
    assert "not empty and holds no flowsg snapshot" in error_line(result)
    assert (busy / "notes.txt").read_text() == "mine"


def test_role_arn_assumes_the_role(aws: dict[str, str], tmp_path: Path, moto_url: str) -> None:
    role = "arn:aws:iam::123456789012:role/flowsg-reader"
    manifest = take_snapshot(tmp_path / "snap", regions=[REGION], role_arn=role)
    assert manifest.role_arn == role
    assert manifest.account_id == "123456789012"
    written = json.loads((tmp_path / "snap" / "manifest.json").read_text())
    assert written["role_arn"] == role


# --- errors -------------------------------------------------------------------------------------


def test_no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, moto_url: str) -> None:
    fake_credentials(monkeypatch, tmp_path, moto_url)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = run("snapshot", "--out", str(tmp_path / "snap"))
    assert result.exit_code == 6
    line = error_line(result)
    assert "no AWS credentials found" in line and "hint:" in line
    assert not (tmp_path / "snap").exists()


def test_unknown_region(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, moto_url: str) -> None:
    fake_credentials(monkeypatch, tmp_path, moto_url)
    result = run("snapshot", "--out", str(tmp_path / "snap"), "--region", "us-east-11")
    assert result.exit_code == 6
    line = error_line(result)
    assert "unknown region 'us-east-11'" in line and "did you mean us-east-1" in line


def test_no_region(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, moto_url: str) -> None:
    fake_credentials(monkeypatch, tmp_path, moto_url)
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    result = run("snapshot", "--out", str(tmp_path / "snap"))
    assert result.exit_code == 2
    assert "no AWS region" in error_line(result)


def test_unknown_profile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, moto_url: str) -> None:
    fake_credentials(monkeypatch, tmp_path, moto_url)
    result = run("snapshot", "--out", str(tmp_path / "snap"), "--profile", "nobody")
    assert result.exit_code == 6
    assert "no AWS profile named 'nobody'" in error_line(result)


def test_without_boto3_it_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # import boto3 raises ImportError
    result = run("snapshot", "--out", str(tmp_path / "snap"))
    assert result.exit_code == 2
    assert "pip install 'flowsg[aws]'" in error_line(result)


class FaultyProxy(Proxy):
    """The proxy in front of moto answering the chosen actions with an AWS error (a number of
    times, or always); everything else is forwarded."""

    EC2 = (
        '<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>{code}</Code>'
        "<Message>{message}</Message></Error></Errors><RequestID>r-1</RequestID></Response>"
    )
    STS = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender'
        "</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>r-1"
        "</RequestId></ErrorResponse>"
    )

    def __init__(self, upstream: str, faults: dict[str, tuple[int, str, int]]) -> None:
        self.faults = faults  # action -> (status, code, times; -1 = always)
        super().__init__(upstream, self.fault)

    def fault(self, action: str) -> tuple[int, str, bytes] | None:
        status, code, times = self.faults.get(action, (0, "", 0))
        if times == 0:
            return None
        self.faults[action] = (status, code, times - 1 if times > 0 else times)
        template = self.STS if action in ("GetCallerIdentity", "AssumeRole") else self.EC2
        return (
            status,
            "text/xml",
            template.format(code=code, message=f"{code} for {action}").encode(),
        )


@pytest.mark.parametrize(
    "action, permission",
    [
        ("DescribeSecurityGroups", "ec2:DescribeSecurityGroups"),
        ("DescribeSecurityGroupRules", "ec2:DescribeSecurityGroupRules"),
        ("GetManagedPrefixListEntries", "ec2:GetManagedPrefixListEntries"),
    ],
)
def test_access_denied_names_the_permission(
    aws: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    moto_url: str,
    action: str,
    permission: str,
) -> None:
    with FaultyProxy(moto_url, {action: (403, "UnauthorizedOperation", -1)}) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        out = tmp_path / "snap"
        result = run("snapshot", "--out", str(out))
    assert result.exit_code == 6, result.output
    line = error_line(result)
    assert f"access denied: these credentials may not call {permission}" in line
    assert f"allow {permission}" in line
    assert not out.exists() and list(tmp_path.iterdir()) == [], "nothing half-written is left"
    assert permission in IAM_ACTIONS
    no_secret_in(result)


def test_expired_token(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, moto_url: str
) -> None:
    with FaultyProxy(moto_url, {"GetCallerIdentity": (403, "ExpiredToken", -1)}) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        result = run("snapshot", "--out", str(tmp_path / "snap"))
    assert result.exit_code == 6
    assert "the AWS credentials have expired (ExpiredToken)" in error_line(result)


def test_throttling_is_retried(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, moto_url: str
) -> None:
    faults = {"DescribeNetworkAcls": (503, "RequestLimitExceeded", 2)}
    with FaultyProxy(moto_url, faults) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        result = run("snapshot", "--out", str(tmp_path / "snap"))
    assert result.exit_code == 0, result.output
    assert proxy.seen.count("DescribeNetworkAcls") == 3
    assert (tmp_path / "snap" / REGION / "describe-network-acls.json").is_file()


def test_the_readme_policy_lists_exactly_the_actions_called() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    policy = readme.split("The minimal IAM policy", 1)[1].split("```json", 1)[1].split("```")[0]
    actions = json.loads(policy)["Statement"][0]["Action"]
    assert sorted(actions) == sorted(a for a in IAM_ACTIONS if a.startswith("ec2:"))
