"""Outputs are replaced whole or not at all: `analyze --out DIR`, `report html --out FILE` and
`snapshot --out DIR` are killed (SIGKILL) while they write, at a known point (flowsg.hold: after
output began, before it is put in place), and the earlier outputs must be exactly as they were,
with nothing partial at the target; a run that is let go replaces them."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from cli_process import SAMPLE, Held, environment, run

RECORD = (
    "2 111122223333 eni-0a1b2c3d4e5f60718 203.0.113.10 198.51.100.20 49152 443 6 10 840"
    " 1762074000 1762074060 ACCEPT OK"
)


def contents(folder: Path) -> dict[str, bytes]:
    """Every file under folder (relative path -> bytes)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def analyze_args(logs: Path, out: Path, db: str = ":memory:") -> list[str]:
    return ["analyze", str(logs), "--snapshot", str(SAMPLE / "snapshot"), "--db", db, "--out",
            str(out)]  # fmt: skip


def test_killed_analyze_leaves_the_earlier_out_folder_intact(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    out = work / "out"
    assert run(*analyze_args(SAMPLE, out)).code == 0
    before = contents(out)
    assert sorted(before) == [
        "flows.parquet", "malformed.parquet", "rule_usage.parquet", "summary.json",
    ]  # fmt: skip
    other = tmp_path / "other.log"
    other.write_text(RECORD + "\n")

    held = Held("out", tmp_path / "hold", *analyze_args(other, out))
    held.wait()  # flows.parquet of the new run is written, in a temporary folder
    (tmp,) = [work / name for name in hidden(work)]
    assert tmp.name.startswith(".out.") and tmp.name.endswith(".tmp")
    assert (tmp / "flows.parquet").exists()
    assert contents(out) == before
    assert held.kill(signal.SIGKILL).code == -signal.SIGKILL

    assert contents(out) == before  # the earlier outputs, byte for byte
    assert visible(work) == ["out"]  # nothing partial at the target (the temp folder is hidden)

    result = run(*analyze_args(other, out))  # a run that finishes replaces them
    assert result.code == 0, result.stderr
    after = contents(out)
    assert sorted(after) == sorted(before)
    assert after["summary.json"] != before["summary.json"]
    assert b'"records": 1,' in after["summary.json"]
    assert visible(work) == ["out"]


def test_a_run_that_is_let_go_swaps_in_its_folder(tmp_path: Path) -> None:
    """The same pause, released: the new folder replaces the old one and no temporary folder of
    this run is left."""
    out = tmp_path / "out"
    assert run(*analyze_args(SAMPLE, out)).code == 0
    held = Held("out", tmp_path / "hold", *analyze_args(SAMPLE, out))
    held.wait()
    held.release()
    result = held.finish()
    assert result.code == 0, result.stderr
    assert hidden(tmp_path) == []
    assert len(contents(out)) == 4


@pytest.fixture
def analyzed_db(tmp_path: Path) -> str:
    db = str(tmp_path / "sample.duckdb")
    args = ["analyze", str(SAMPLE), "--snapshot", str(SAMPLE / "snapshot"), "--db", db]
    assert run(*args).code == 0
    return db


@pytest.mark.parametrize("report", [["html"], ["graph", "--format", "dot"]])
def test_killed_report_leaves_the_earlier_file_intact(
    tmp_path: Path, analyzed_db: str, report: list[str]
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    target = site / "review.out"
    target.write_text("the earlier report\n")
    held = Held("html", tmp_path / "hold", "report", *report, "--out", str(target),
                "--db", analyzed_db)  # fmt: skip
    held.wait()  # the whole new page is written beside the target, not yet renamed
    assert len(hidden(site)) == 1
    assert held.kill(signal.SIGKILL).code == -signal.SIGKILL
    assert target.read_text() == "the earlier report\n"
    assert visible(site) == ["review.out"]
    result = run("report", *report, "--out", str(target), "--db", analyzed_db)
    assert result.code == 0, result.stderr
    assert target.read_text() != "the earlier report\n"


# --- flowsg snapshot --out, against moto as a local HTTP server ---------------------------------


def test_killed_snapshot_leaves_the_earlier_snapshot_intact(tmp_path: Path, moto_url: str) -> None:
    env = environment(
        AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_ACCESS_KEY_ID="AKIAFLOWSGATOMIC0000",
        AWS_SECRET_ACCESS_KEY="flowsgatomictestsecret00000000000000000",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL=moto_url,
    )
    work = tmp_path / "work"
    work.mkdir()
    out = work / "snap"
    first = run("snapshot", "--out", str(out), env=env)
    assert first.code == 0, first.stderr
    before = contents(out)
    assert "manifest.json" in before
    assert "us-east-1/describe-security-groups.json" in before

    held = Held("snapshot", tmp_path / "hold", "snapshot", "--out", str(out), env=env)
    held.wait()  # every file of the new snapshot is written into the temporary folder
    assert held.kill(signal.SIGKILL).code == -signal.SIGKILL
    assert contents(out) == before
    assert visible(work) == ["snap"]
