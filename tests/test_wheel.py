"""The built wheel works on its own: queries/ ships inside it and `flowsg load` runs from a fresh
virtual environment that has never seen this checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("flowsg-*.whl")
    return built


def test_wheel_contains_the_queries(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {n.removeprefix("flowsg/queries/") for n in names if n.startswith("flowsg/queries/")}
    in_repo = {str(p.relative_to(ROOT / "queries")) for p in (ROOT / "queries").rglob("*.sql")}
    assert in_repo
    assert shipped == in_repo
    assert "flowsg/py.typed" in names
    templates = {p.name for p in (ROOT / "flowsg" / "report" / "templates").iterdir()}
    assert {"report.html", "graph.svg", "report.css", "report.js"} <= templates
    assert {f"flowsg/report/templates/{name}" for name in templates} <= set(names)


def test_wheel_runs_in_a_fresh_venv(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
    )
    sample = tmp_path / "sample.log"
    sample.write_text(
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes"
        " start end action log-status\n"
        "2 111122223333 eni-0a1b2c3d4e5f60718 203.0.113.10 198.51.100.20 49152 443 6 10 840"
        " 1762074000 1762074060 ACCEPT OK\n"
    )
    clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    run = subprocess.run(
        [str(env_dir / "bin" / "flowsg"), "load", str(sample), "--db", ":memory:"],
        cwd=tmp_path,  # not the checkout: its queries/ must not be the one found
        env=clean_env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert "1 record(s), 0 malformed" in run.stdout
    sample = ROOT / "sample_logs"
    run = subprocess.run(
        [str(env_dir / "bin" / "flowsg"), "analyze", str(sample), "--snapshot",
         str(sample / "snapshot"), "--db", ":memory:", "--out", str(tmp_path / "out")],
        cwd=tmp_path,
        env=clean_env,
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "Records by verdict" in run.stdout
    assert (tmp_path / "out" / "flows.parquet").is_file()
    db = tmp_path / "sample.duckdb"
    subprocess.run(
        [str(env_dir / "bin" / "flowsg"), "analyze", str(sample), "--snapshot",
         str(sample / "snapshot"), "--db", str(db)],
        cwd=tmp_path, env=clean_env, capture_output=True, check=True,
    )  # fmt: skip
    run = subprocess.run(
        [str(env_dir / "bin" / "flowsg"), "report", "html", "--db", str(db), "--out",
         str(tmp_path / "review.html"), "--layout", "builtin"],
        cwd=tmp_path, env=clean_env, capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr  # the templates came with the wheel
    page = (tmp_path / "review.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and 'class="fsg-graph"' in page
    run = subprocess.run(  # the wheel alone, without the aws extra: no boto3
        [str(env_dir / "bin" / "flowsg"), "snapshot", "--out", str(tmp_path / "snap")],
        cwd=tmp_path, env=clean_env, capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 2, run.stderr
    assert "pip install 'flowsg[aws]'" in run.stderr and "Traceback" not in run.stderr
    where = subprocess.run(
        [str(python), "-c", "import flowsg; print(flowsg.queries_dir())"],
        cwd=tmp_path,
        env=clean_env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(env_dir)), where
