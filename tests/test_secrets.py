"""Nothing from the environment's AWS credentials is ever written: fake, distinctive values of
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN are set for real `flowsg` runs
(load, analyze --out, every report, `snapshot` against moto, and error paths with --debug, one
against a server that quotes the request's signed headers back in its error), and every byte of
stdout, stderr, every file written and the DuckDB file (raw, and every text column by SQL) is
searched for them."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
from cli_process import SAMPLE, Result, environment, run

SECRETS = {
    "AWS_ACCESS_KEY_ID": "AKIAFLOWSGLEAKCHECK7",
    "AWS_SECRET_ACCESS_KEY": "fLoWsG/LeAk+ChEcK/sEcReT/0123456789abcdef",
    "AWS_SESSION_TOKEN": "FLOWSGLEAKCHECKSESSIONTOKEN" + "Zm9vYmFy" * 8,
}
# Pieces that must not appear either: a secret split, or partly quoted, is still a leak.
NEEDLES = [v for v in SECRETS.values()] + [v[4:16] for v in SECRETS.values()]


def secret_env(folder: Path, **extra: str) -> dict[str, str]:
    return environment(
        **SECRETS,
        AWS_CONFIG_FILE=str(folder / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(folder / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_DEFAULT_REGION="us-east-1",
        **extra,
    )


def assert_clean(text: str | bytes, where: str) -> None:
    data = text.encode("utf-8", "replace") if isinstance(text, str) else text
    for needle in NEEDLES:
        assert needle.encode() not in data, f"{needle!r} written to {where}"


def assert_no_secret_in_database(db: Path) -> None:
    """The raw bytes, and every text value of every table (DuckDB may compress the file)."""
    assert_clean(db.read_bytes(), str(db))
    with duckdb.connect(str(db), read_only=True) as con:
        columns = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns()"
            " WHERE data_type IN ('VARCHAR', 'VARCHAR[]')"
            " AND table_oid IN (SELECT table_oid FROM duckdb_tables() WHERE NOT internal)"
        ).fetchall()
        by_table: dict[str, list[str]] = {}
        for table, column in columns:
            by_table.setdefault(table, []).append(column)
        for table, names in by_table.items():
            tests = [f'contains(CAST("{c}" AS VARCHAR), ?)' for c in names for _ in NEEDLES]
            params = [needle for _ in names for needle in NEEDLES]
            query = f'SELECT count(*) FROM "{table}" WHERE ' + " OR ".join(tests)
            assert con.execute(query, params).fetchall() == [(0,)], table


def assert_no_secret_under(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            assert_clean(path.read_bytes(), str(path))


def checked(result: Result, where: str) -> Result:
    assert_clean(result.stdout, f"stdout of {where}")
    assert_clean(result.stderr, f"stderr of {where}")
    return result


def test_no_secret_in_any_output(tmp_path: Path) -> None:
    env = secret_env(tmp_path)
    db = tmp_path / "f.duckdb"
    html, dot = str(tmp_path / "review.html"), str(tmp_path / "g.dot")
    analyze = ["analyze", str(SAMPLE), "--snapshot", str(SAMPLE / "snapshot"), "--db", str(db)]
    runs = {
        "load": ["load", str(SAMPLE), "--db", str(db)],
        "analyze": [*analyze, "--out", str(tmp_path / "out")],
        "rules": ["report", "rules", "--db", str(db), "--format", "json"],
        "tighten": ["report", "tighten", "--db", str(db), "--format", "csv"],
        "rejects": ["report", "rejects", "--db", str(db)],
        "unexplained": ["report", "unexplained", "--db", str(db)],
        "html": ["report", "html", "--out", html, "--db", str(db)],
        "graph": ["report", "graph", "--format", "dot", "--out", dot, "--db", str(db)],
        "whatif": ["whatif", "--remove", "sgr-0429b1ff859771226", "--db", str(db)],
        "explain": ["explain", "198.51.100.68", "198.51.100.108", "8443", "--db", str(db)],
    }
    for name, args in runs.items():
        result = checked(run(*args, env=env), name)
        assert result.code == 0, (name, result.stderr)
    no_groups = tmp_path / "no-groups"
    no_groups.mkdir()
    (no_groups / "describe-network-interfaces.json").write_text('{"NetworkInterfaces": []}')
    errors = {
        "strict": (["load", str(SAMPLE), "--db", str(db), "--strict"], 1),
        "missing": (["load", str(tmp_path / "nope"), "--db", str(db)], 3),
        "no database": (["report", "rules", "--db", str(tmp_path / "none.duckdb")], 5),
        "not a database": (["load", str(SAMPLE), "--db", html], 5),
        "bad snapshot": ([*analyze[:3], str(no_groups), "--db", ":memory:"], 4),
    }
    for name, (args, code) in errors.items():
        for debug in ([], ["--debug"]):
            result = checked(run(*debug, *args, env=env), f"{name} {debug}")
            assert result.code == code, (name, result.stderr)
    assert_no_secret_under(tmp_path)
    assert_no_secret_in_database(db)


# --- flowsg snapshot -----------------------------------------------------------------------------


def test_no_secret_in_a_snapshot(tmp_path: Path, moto_url: str) -> None:
    env = secret_env(tmp_path, AWS_ENDPOINT_URL=moto_url)
    out = tmp_path / "snap"
    result = checked(run("--debug", "snapshot", "--out", str(out), env=env), "snapshot")
    assert result.code == 0, result.stderr
    assert (out / "manifest.json").exists()
    bad_region = checked(
        run("--debug", "snapshot", "--out", str(out), "--region", "xx-nowhere-9", env=env),
        "snapshot --region",
    )
    assert bad_region.code == 6
    db = tmp_path / "f.duckdb"
    analyze = ["analyze", str(SAMPLE), "--snapshot", str(out), "--db", str(db)]
    analyzed = checked(run(*analyze, env=env), "analyze of the snapshot")
    assert analyzed.code == 0, analyzed.stderr  # moto's default security group
    assert_no_secret_in_database(db)
    assert_no_secret_under(tmp_path)


class _Reflector(BaseHTTPRequestHandler):
    """An AWS endpoint that refuses everything, quoting the request's signed headers (the access
    key id is in Authorization, the session token in X-Amz-Security-Token) in its message."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        quoted = f"{self.headers.get('Authorization')} {self.headers.get('X-Amz-Security-Token')}"
        body = (
            "<ErrorResponse><Error><Type>Sender</Type><Code>MalformedInput</Code>"
            f"<Message>cannot use {quoted}</Message></Error><RequestId>1</RequestId>"
            "</ErrorResponse>"
        ).encode()
        self.send_response(400)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_server_quoting_the_credentials_is_redacted(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Reflector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        env = secret_env(tmp_path, AWS_ENDPOINT_URL=url)
        for debug in ([], ["--debug"]):
            result = run(*debug, "snapshot", "--out", str(tmp_path / "snap"), env=env)
            assert result.code == 6, result.stderr
            assert "MalformedInput" in result.stderr
            assert "<AWS_ACCESS_KEY_ID>" in result.stderr  # the server did quote it
            checked(result, f"snapshot {debug}")
    finally:
        server.shutdown()
    assert_no_secret_under(tmp_path)
