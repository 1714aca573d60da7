"""What the tests against moto share (tests/test_aws_snapshot.py, tests/test_aws_sources.py): the
fake credentials and the CLI runner with its one-error-line check. The moto server itself is the
``moto_url`` fixture of conftest.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from flowsg.cli import cli

SECRET = "fLoWsGtEsTsEcReTkEy0000000000000000000000"
ACCESS_KEY = "AKIAFLOWSGTESTKEY000"
REGION = "us-east-1"


def fake_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, endpoint: str) -> None:
    """Fake credentials and the endpoint in this test's environment only; nothing of the
    machine's own AWS configuration is read."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def error_line(result: Any) -> str:
    """The one line on stderr of a failed run, without a traceback."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("flowsg: ")
    assert "Traceback" not in result.stderr
    return str(lines[0])
