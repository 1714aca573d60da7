"""What the tests against moto share (tests/test_aws_snapshot.py, tests/test_aws_sources.py): the
fake credentials, the CLI runner with its one-error-line check, and the proxy in front of moto
that injects AWS errors and remembers every request's operation. The moto server itself is the
``moto_url`` fixture of conftest.py."""

from __future__ import annotations

import http.server
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
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


class Proxy:
    """A real HTTP server in front of moto: answers the requests ``fault`` picks with an AWS
    error, forwards the others, and remembers every request's operation."""

    def __init__(
        self,
        upstream: str,
        fault: Callable[[str], tuple[int, str, bytes] | None],
        cut: str | None = None,
    ) -> None:
        self.seen: list[str] = []  # and the response to ``cut`` breaks off half-way
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def handle_any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                op = operation(self.command, self.path, dict(self.headers), body)
                proxy.seen.append(op)
                answer = fault(op)
                if answer is not None:
                    status, content_type, text = answer
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(text)))
                    self.end_headers()
                    self.wfile.write(text)
                    return
                request = urllib.request.Request(
                    upstream + self.path,
                    data=body if self.command in ("POST", "PUT") else None,
                    headers={k: v for k, v in self.headers.items() if k.lower() != "host"},
                    method=self.command,
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        status, data, headers = response.status, response.read(), response.headers
                except urllib.error.HTTPError as error:
                    status, data, headers = error.code, error.read(), error.headers
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() not in ("content-length", "transfer-encoding", "connection",
                                            "date", "server"):  # fmt: skip
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if op == cut:
                    self.wfile.write(data[: len(data) // 2])
                    self.close_connection = True
                elif self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_HEAD = handle_any

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Proxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def operation(method: str, path: str, headers: dict[str, str], body: bytes) -> str:
    """The API operation of a request: S3 (REST), CloudWatch Logs (JSON), EC2 and STS (query)."""
    target = headers.get("X-Amz-Target") or headers.get("x-amz-target")
    if target:
        streams = json.loads(body or b"{}").get("logStreamNames") or []
        return ":".join([target.rsplit(".", 1)[-1], *streams])
    action = urllib.parse.parse_qs(body.decode(errors="replace")).get("Action")
    if action:
        return action[0]
    parsed = urllib.parse.urlsplit(path)
    if method == "GET" and "list-type=2" in parsed.query:
        prefix = urllib.parse.parse_qs(parsed.query).get("prefix", [""])[0]
        return f"ListObjectsV2:{prefix}"
    if method == "GET" and parsed.path.count("/") >= 2:
        return "GetObject:" + urllib.parse.unquote(parsed.path.split("/", 2)[2])
    return f"{method} {parsed.path}"
