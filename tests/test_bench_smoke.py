"""The benchmark suite end to end at a tiny size, so that the runner does not rot.

Nothing here is timed: speed is the benchmark's business (``make bench``), and only the shape
of its results is checked.
"""

from __future__ import annotations

import gzip
import importlib.util
import ipaddress
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pyarrow.parquet as pq
import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
RECORDS = 20_000


def _module(name: str) -> ModuleType:
    """benchmarks/NAME.py as the module NAME: the one already loaded if any (the generator's worker
    processes find their function by the module's name, so there must be one copy)."""
    loaded = sys.modules.get(name)
    if loaded is not None and Path(str(loaded.__file__)).resolve() == BENCHMARKS / f"{name}.py":
        return loaded
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location(f"{name}", BENCHMARKS / f"{name}.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    _module("generate")
    return _module("run")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory, bench: ModuleType) -> Path:
    root = tmp_path_factory.mktemp("bench")
    spec = bench.generate.Spec(RECORDS, interfaces=60, rules=300, records_per_file=8_000)
    bench.generate.ensure(spec, root / bench.size_name(RECORDS), quiet=True)
    return root


def test_generated_data_is_complete_and_deterministic(bench: ModuleType, data: Path) -> None:
    directory = data / bench.size_name(RECORDS)
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["records"] == RECORDS
    assert len(manifest["files"]) == 3  # 8,000 + 8,000 + 4,000
    assert manifest["rules_written"] == 300
    names = {p.name for p in (directory / "snapshot").iterdir()}
    for name in (
        "describe-security-groups.json",
        "describe-security-group-rules.json",
        "describe-network-interfaces.json",
        "describe-network-acls.json",
        "describe-managed-prefix-lists.json",
    ):
        assert name in names
    assert any(n.startswith("pl-") and n != "pl-63a5400a.json" for n in names)
    text_lines = 0
    for entry in manifest["files"]:
        with gzip.open(directory / entry["default"], "rt") as fh:
            header, *lines = fh.read().splitlines()
        assert header.startswith("version account-id interface-id")
        assert len(lines) == entry["records"]
        text_lines += len(lines)
        with gzip.open(directory / entry["custom"], "rt") as fh:
            assert "tcp-flags" in fh.readline() and len(fh.read().splitlines()) == len(lines)
        assert pq.ParquetFile(directory / entry["parquet"]).metadata.num_rows == len(lines)
    assert text_lines == RECORDS
    again = bench.generate.write_file(
        bench.generate.Spec(RECORDS, interfaces=60, rules=300, records_per_file=8_000),
        data / "again",
        0,
    )
    first = directory / manifest["files"][0]["default"]
    assert (data / "again" / again["default"]).read_bytes() == first.read_bytes()


# What the generated data may hold: the private VPC, the documentation ranges and the range
# RFC 2544 reserves for benchmarks (the generator's internet); /0 is "anywhere" in rules and ACLs.
RESERVED = [
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/16",
        "198.18.0.0/15",
        "192.0.2.0/24",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "2001:db8::/32",
    )
]


def _reserved(text: str) -> bool:
    net = ipaddress.ip_network(text, strict=False)
    return net.prefixlen == 0 or any(
        net.version == r.version and net.subnet_of(r)  # type: ignore[arg-type]
        for r in RESERVED
    )


def _addresses(value: object) -> Iterator[str]:
    """Every string in a JSON value that reads as an IP address or a CIDR."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _addresses(v)
    elif isinstance(value, list):
        for v in value:
            yield from _addresses(v)
    elif isinstance(value, str):
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            return
        yield value


def test_generated_addresses_are_nobodys(bench: ModuleType, data: Path) -> None:
    """No real public address in the snapshot or the records: only the ranges in RESERVED."""
    directory = data / bench.size_name(RECORDS)
    seen: set[str] = set()
    for path in (directory / "snapshot").iterdir():
        seen.update(_addresses(json.loads(path.read_text())))
    manifest = json.loads((directory / "manifest.json").read_text())
    for entry in manifest["files"]:
        for flavour in ("default", "custom"):
            with gzip.open(directory / entry[flavour], "rt") as fh:
                names = fh.readline().split()
                columns = [i for i, n in enumerate(names) if n.endswith("addr")]
                for line in fh:
                    fields = line.split()
                    seen.update(fields[i] for i in columns if fields[i] != "-")
    assert len(seen) > 1_000  # clients, scanners, partners' ranges, the VPC's hosts
    assert {"0.0.0.0/0", "::/0"} <= seen
    assert sorted(a for a in seen if not _reserved(a)) == []


def test_small_files_hold_the_default_records_in_order(bench: ModuleType, data: Path) -> None:
    directory = data / bench.size_name(RECORDS)
    manifest = json.loads((directory / "manifest.json").read_text())
    small = bench.generate.ensure_small(directory, manifest, per_file=3_000)
    # 8,000 + 8,000 + 4,000 records cut by 3,000: 3 + 3 + 2 files, none across a source file
    assert (small["files"], small["records"]) == (8, RECORDS)
    paths = sorted((directory / "small").rglob("*.log.gz"))  # the names sort in time order
    assert len(paths) == 8 and sum(p.stat().st_size for p in paths) == small["bytes"]
    cut, sizes = [], []
    for path in paths:
        assert "/AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/11/02/" in str(path)
        with gzip.open(path, "rt") as fh:
            header, *lines = fh.read().splitlines()
        assert header.startswith("version account-id interface-id")
        cut += lines
        sizes.append(len(lines))
    assert sizes == [3_000, 3_000, 2_000] * 2 + [3_000, 1_000]
    whole = []
    for entry in manifest["files"]:
        with gzip.open(directory / entry["default"], "rt") as fh:
            whole += fh.read().splitlines()[1:]
    assert cut == whole
    # kept while it matches; cut again when the size per file changes
    stamp = (directory / "small-manifest.json").stat().st_mtime_ns
    assert bench.generate.ensure_small(directory, manifest, per_file=3_000) == small
    assert (directory / "small-manifest.json").stat().st_mtime_ns == stamp
    again = bench.generate.ensure_small(directory, manifest)
    assert again["files"] == 20 and len(list((directory / "small").rglob("*.log.gz"))) == 20


def test_runner_measures_every_case_and_checks_every_target(bench: ModuleType, data: Path) -> None:
    results = bench.measure_size(RECORDS, data, log=lambda _: None)
    assert [r.case for r in results] == list(bench.CASES)
    for r in results:
        assert r.records == RECORDS
        assert r.seconds > 0 and r.records_per_s > 0 and r.mb_per_s > 0
        assert r.input_mb > 0 and r.peak_rss_mb > 0 and r.ratio > 0
    bare = results[0]
    assert bare.extra["records"] == RECORDS  # the bare read sees every record
    by_case = {r.case: r for r in results}
    assert by_case["duckdb table"].extra["records"] == RECORDS  # and DuckDB's table holds them
    analyzed = [r for r in results if r.case.startswith("analyze")]
    assert len(analyzed) == 6 + (bench.SPARK_CASE in bench.CASES)  # Spark where it can run
    assert all(r.extra["summary"].startswith("Analyzed 20,000 record(s)") for r in analyzed)
    targets = bench.check_targets(results)
    assert [t.what for t in targets] == [
        "analyze --db :memory:",
        "analyze --out DIR",
        "S3 Parquet logs",
        "peak RSS (in memory)",
        "peak RSS flat",
        f"peak RSS --db FILE {bench.FILE_MEMORY_LIMIT}",
        f"peak RSS flat --db FILE {bench.FILE_MEMORY_LIMIT}",
        "growth (records/s)",
        "vs per-record Python loop",
    ]
    assert all(t.status in ("PASS", "FAIL", "n/a") for t in targets)
    # Parquet is compared with the gzip text of the same fields (custom v5), not the default's 14
    speedup = by_case["analyze custom"].seconds / by_case["analyze parquet"].seconds
    [parquet] = [t for t in targets if t.what == "S3 Parquet logs"]
    assert parquet.measured.startswith(f"{speedup:.2f}x faster")
    small = by_case[bench.SMALL_CASE]
    ratio = small.seconds / by_case["analyze memory"].seconds
    same = "the same records in 1 file(s)"
    assert (
        small.note == f"20 files of 1,000 records; {ratio:.2f}x the time of analyze memory ({same})"
    )
    assert (
        small.input_mb * 1e6
        == json.loads((data / bench.size_name(RECORDS) / "small-manifest.json").read_text())[
            "bytes"
        ]
    )
    table = bench.render(results, targets)
    for case in bench.CASES:
        assert case in table


def test_memory_targets_take_every_in_memory_run_and_the_file_run_apart(bench: ModuleType) -> None:
    """The in-memory peak is the largest of every in-memory case (small files included, though
    its name says "files"); the database-file case has rows of its own. Flat compares 10M, 30M."""
    results = [
        bench.Result(case, records, 100.0, 10.0, peak)
        for records, peaks in (
            (
                10_000_000,
                {"analyze memory": 1_000, bench.SMALL_CASE: 1_500, bench.FILE_CASE: 1_200},
            ),
            (
                30_000_000,
                {"analyze memory": 1_600, bench.SMALL_CASE: 2_400, bench.FILE_CASE: 1_320},
            ),
        )
        for case, peak in peaks.items()
    ]
    targets = {t.what: t for t in bench.check_targets(results)}
    in_file = f"--db FILE {bench.FILE_MEMORY_LIMIT}"
    assert (targets["peak RSS (in memory)"].measured, targets["peak RSS (in memory)"].status) == (
        "1,500 MB",
        "PASS",
    )
    assert targets["peak RSS flat"].measured == "x1.60 from 10M to 30M"
    assert targets["peak RSS flat"].status == "FAIL"
    assert targets[f"peak RSS {in_file}"].measured == "1,200 MB"
    assert targets[f"peak RSS flat {in_file}"].measured == "x1.10 from 10M to 30M"
    assert targets[f"peak RSS flat {in_file}"].status == "PASS"


def test_profile_times_the_sql_steps(bench: ModuleType, data: Path) -> None:
    profile, rss = bench.run_worker("profile", data / bench.size_name(RECORDS))
    assert rss > 0 and profile["seconds"] > 0
    assert "sql match/key_matches" in profile["steps"]
    seconds, calls = profile["steps"][bench.CHECKPOINT_STEP]
    assert seconds > 0 and calls >= 2  # after the load and after the attribution
    assert "load" in bench.render_profile(profile)


def test_a_runaway_case_is_killed(bench: ModuleType, data: Path) -> None:
    with pytest.raises(RuntimeError, match="took more than"):
        bench.run_worker("analyze memory", data / bench.size_name(RECORDS), timeout=0.05)
