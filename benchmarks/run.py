"""flowsg's benchmark suite: generate data once per size, measure each case, check the targets.

Every case runs in its own subprocess (this script with ``--worker CASE``), so the peak RSS
reported is that run's alone (VmHWM from /proc on Linux, else ``ru_maxrss`` from ``os.wait4``),
and the wall time is the operation's, measured inside the worker (start-up and imports excluded):

* ``bare read``       DuckDB alone: ``SELECT protocol, action, count(*) FROM read_csv(the
                      default-format files, delim=' ', header=true, columns={explicit types})
                      GROUP BY ALL``; the denominator of every ratio;
* ``duckdb table``    DuckDB alone keeping the records: ``CREATE TABLE AS SELECT * FROM
                      read_csv(the same)``, in memory, then ``CHECKPOINT`` (which compresses
                      it): what any load that keeps the records in DuckDB costs at least,
                      before flowsg checks a field or computes an address;
* ``analyze memory``  ``flowsg analyze DEFAULT-FORMAT-FILES --snapshot DIR --db :memory:``;
* ``analyze --out``   the same with ``--out DIR`` (flows.parquet etc.);
* ``analyze custom``  the same records as custom v5 gzip text (tcp-flags, flow-direction);
* ``analyze parquet`` the same records as S3 Parquet (the v5 fields of ``analyze custom``, its
  text twin in the Parquet target);
* ``analyze file 512MB`` the default-format files with ``--db FILE --memory-limit 512MB``
                      (FILE_MEMORY_LIMIT): DuckDB writes the records compressed to the file and
                      evicts them, so its peak at 10M and 30M shows whether memory stays flat;
* ``analyze small files`` the default-format records again, cut into files of 1,000 records
                      (a header each; ``generate.ensure_small``, made once): the per-file cost
                      of a month of 5-minute files, which the other cases, at a million
                      records a file, never see. Its note compares it with ``analyze memory``;
* ``analyze spark``   the default-format files with ``--engine spark --spark-master local[2]``
                      (only where pyspark and Java are installed): the cost of the engine
                      itself on one machine, its start included; peak RSS is the Python
                      driver's only (Spark's JVM is a process of its own);
* ``python loop``     what a user would write: a per-record Python loop parsing each line and
                      matching it with ``ipaddress`` against the snapshot's CIDR and
                      prefix-list rules of its interface's groups. It runs on the first
                      100,000 records only; its records/s is extrapolated to the size.

The ratio column is per record: (wall / records) / (bare read wall / bare read records).

Usage:
  python benchmarks/run.py --quick               # 1M records, about a minute
  python benchmarks/run.py                       # 1M and 10M
  python benchmarks/run.py --sizes 1M,10M,30M --json results.json
  python benchmarks/run.py --quick --profile     # also time every SQL step of flowsg
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import ipaddress
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402  (benchmarks/ is not a package)

DATA = HERE / "data"
PYTHON_LOOP_RECORDS = 100_000


def _spark_available() -> bool:
    """pyspark installed (flowsg[spark]) and a Java runtime to run it."""
    home = os.environ.get("JAVA_HOME")
    java = bool(home and os.path.exists(os.path.join(home, "bin", "java"))) or bool(
        shutil.which("java")
    )
    return java and importlib.util.find_spec("pyspark") is not None


SPARK_CASE = "analyze spark"
SMALL_CASE = "analyze small files"
FILE_MEMORY_LIMIT = "512MB"
"""The --memory-limit of the database-file case: below what 10M records need, so that DuckDB
evicts at 10M as at 30M and the peak shows whether memory stays flat (with 2GB, 10M records fit:
1.43-1.50 GB at 10M, 2.2 GB at 30M; with 512MB 1.25-1.29 and 1.40-1.43 GB, in no more time)."""
FILE_CASE = f"analyze file {FILE_MEMORY_LIMIT}"
CASES = (
    "bare read",
    "duckdb table",
    "analyze memory",
    "analyze --out",
    "analyze custom",
    "analyze parquet",
    FILE_CASE,
    SMALL_CASE,
    *((SPARK_CASE,) if _spark_available() else ()),
    "python loop",
)
"""The cases, in the order they run; ``analyze spark`` where pyspark and Java are available."""
QUICK_SIZES = (1_000_000,)
DEFAULT_SIZES = (1_000_000, 10_000_000)
TARGET_SIZE = 10_000_000  # the size the targets are defined at

BARE_COLUMNS = {
    "version": "INTEGER",
    "account_id": "VARCHAR",
    "interface_id": "VARCHAR",
    "srcaddr": "VARCHAR",
    "dstaddr": "VARCHAR",
    "srcport": "INTEGER",
    "dstport": "INTEGER",
    "protocol": "INTEGER",
    "packets": "BIGINT",
    "bytes": "BIGINT",
    "start": "BIGINT",
    "end": "BIGINT",
    "action": "VARCHAR",
    "log_status": "VARCHAR",
}


@dataclass
class Result:
    case: str
    records: int
    input_mb: float
    seconds: float
    peak_rss_mb: float
    measured_records: int = 0  # records actually processed (python loop: the slice)
    ratio: float | None = None  # per-record time over the bare read's
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def records_per_s(self) -> float:
        return (self.measured_records or self.records) / self.seconds

    @property
    def mb_per_s(self) -> float:
        share = (self.measured_records or self.records) / self.records
        return self.input_mb * share / self.seconds


@dataclass
class Target:
    what: str
    target: str
    measured: str
    status: str  # PASS | FAIL | n/a
    stretch: str = ""


# ----------------------------------------------------------------------------- sizes and data


def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    for suffix, factor in (("k", 1_000), ("m", 1_000_000), ("g", 1_000_000_000)):
        if text.endswith(suffix):
            return int(float(text[:-1]) * factor)
    return int(text)


def size_name(records: int) -> str:
    if records % 1_000_000 == 0:
        return f"{records // 1_000_000}m"
    if records % 1_000 == 0:
        return f"{records // 1_000}k"
    return str(records)


def files_of(data: Path, manifest: dict[str, Any], flavour: str) -> list[str]:
    return [str(data / f[flavour]) for f in manifest["files"]]


# ----------------------------------------------------------------------------- the cases (worker)


_BARE_READ = (
    "read_csv($files, delim=' ', header=true, nullstr='-', columns={"
    + ", ".join(f"'{k}': '{v}'" for k, v in BARE_COLUMNS.items())
    + "})"
)
"""DuckDB's read of the default-format files ($files) with explicit types: the bare read's and the
duckdb table's source."""


def case_bare_read(data: Path, manifest: dict[str, Any], **_: Any) -> dict[str, Any]:
    import duckdb

    files = files_of(data, manifest, "default")
    con = duckdb.connect(":memory:")
    began = time.perf_counter()
    rows = con.execute(
        f"SELECT protocol, action, count(*) FROM {_BARE_READ} GROUP BY ALL", {"files": files}
    ).fetchall()
    seconds = time.perf_counter() - began
    return {"seconds": seconds, "records": sum(r[2] for r in rows)}


def case_duckdb_table(data: Path, manifest: dict[str, Any], **_: Any) -> dict[str, Any]:
    import duckdb

    files = files_of(data, manifest, "default")
    con = duckdb.connect(":memory:")
    began = time.perf_counter()
    con.execute(f"CREATE TABLE records AS SELECT * FROM {_BARE_READ}", {"files": files}).fetchall()
    con.execute("CHECKPOINT").fetchall()
    seconds = time.perf_counter() - began
    [(records,)] = con.execute("SELECT count(*) FROM records").fetchall()
    return {"seconds": seconds, "records": records}


def _analyze(
    data: Path, paths: list[str], out: str | None, db: str = ":memory:", extra: tuple[str, ...] = ()
) -> dict[str, Any]:
    from flowsg import cli

    argv = ["analyze", *paths, "--snapshot", str(data / "snapshot"), "--db", db, *extra]
    if out:
        argv += ["--out", out]
    began = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        code = cli.main(argv)
    seconds = time.perf_counter() - began
    if code != 0:
        raise RuntimeError(f"flowsg {' '.join(argv)} exited {code}: {printed.getvalue()}")
    return {"seconds": seconds, "summary": printed.getvalue().splitlines()[0]}


def case_analyze_memory(data: Path, **_: Any) -> dict[str, Any]:
    return _analyze(data, [str(data / "default")], None)


def case_analyze_out(data: Path, out: str, **_: Any) -> dict[str, Any]:
    return _analyze(data, [str(data / "default")], out)


def case_analyze_custom(data: Path, **_: Any) -> dict[str, Any]:
    return _analyze(data, [str(data / "custom")], None)


def case_analyze_parquet(data: Path, **_: Any) -> dict[str, Any]:
    return _analyze(data, [str(data / "parquet")], None)


def case_analyze_file(data: Path, out: str, **_: Any) -> dict[str, Any]:
    """A database file with a memory limit: DuckDB writes the records compressed and evicts them."""
    db = str(Path(out) / "bench.duckdb")
    return _analyze(data, [str(data / "default")], None, db, ("--memory-limit", FILE_MEMORY_LIMIT))


def case_analyze_small(data: Path, **_: Any) -> dict[str, Any]:
    return _analyze(data, [str(data / "small")], None)


def case_analyze_spark(data: Path, **_: Any) -> dict[str, Any]:
    """The same default-format files with ``--engine spark --spark-master local[2]``: Spark's
    start (the JVM), reading, attribution on Spark and the hand-over to DuckDB, all included."""
    engine = ("--engine", "spark", "--spark-master", "local[2]")
    return _analyze(data, [str(data / "default")], None, extra=engine)


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def load_cidr_rules(snapshot: Path) -> tuple[dict[str, list[Any]], set[str]]:
    """interface id -> [(egress, protocol, from, to, network)], and the interfaces' addresses."""
    rules = json.loads((snapshot / "describe-security-group-rules.json").read_text())
    enis = json.loads((snapshot / "describe-network-interfaces.json").read_text())
    prefix_lists: dict[str, list[Network]] = {}
    for path in snapshot.glob("pl-*.json"):
        entries = json.loads(path.read_text())["Entries"]
        prefix_lists[path.stem] = [ipaddress.ip_network(e["Cidr"]) for e in entries]
    protocols = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "-1": -1}
    by_group: dict[str, list[Any]] = {}
    for r in rules["SecurityGroupRules"]:
        if "CidrIpv4" in r or "CidrIpv6" in r:
            networks = [ipaddress.ip_network(r.get("CidrIpv4") or r["CidrIpv6"])]
        elif "PrefixListId" in r:
            networks = prefix_lists.get(r["PrefixListId"], [])
        else:
            continue  # group references need the member addresses: not in this simple loop
        proto = protocols.get(str(r["IpProtocol"]), -1)
        for net in networks:
            entry = (r["IsEgress"], proto, r["FromPort"], r["ToPort"], net)
            by_group.setdefault(r["GroupId"], []).append(entry)
    by_eni: dict[str, list[Any]] = {}
    addresses: set[str] = set()
    for eni in enis["NetworkInterfaces"]:
        groups = [g["GroupId"] for g in eni["Groups"]]
        by_eni[eni["NetworkInterfaceId"]] = [x for g in groups for x in by_group.get(g, [])]
        addresses.update(a["PrivateIpAddress"] for a in eni["PrivateIpAddresses"])
        addresses.update(a["Ipv6Address"] for a in eni["Ipv6Addresses"])
    return by_eni, addresses


def python_loop(files: list[str], snapshot: Path, limit: int) -> tuple[int, dict[str, int]]:
    """The per-record matcher a user would write: parse, decide direction, test every rule."""
    import gzip

    by_eni, addresses = load_cidr_rules(snapshot)
    counts: dict[str, int] = {}
    n = 0
    for path in files:
        with gzip.open(path, "rt") as fh:
            header = fh.readline().split()
            for line in fh:
                if n >= limit:
                    return n, counts
                n += 1
                rec = dict(zip(header, line.split(), strict=True))
                if rec["log-status"] != "OK":
                    counts["skipped"] = counts.get("skipped", 0) + 1
                    continue
                egress = rec["srcaddr"] in addresses and rec["dstaddr"] not in addresses
                remote = ipaddress.ip_address(rec["dstaddr"] if egress else rec["srcaddr"])
                proto, port = int(rec["protocol"]), int(rec["dstport"])
                matched = []
                for is_egress, rule_proto, lo, hi, net in by_eni.get(rec["interface-id"], []):
                    if is_egress != egress or rule_proto not in (-1, proto):
                        continue
                    if proto in (6, 17) and lo != -1 and not lo <= port <= hi:
                        continue
                    if net.version == remote.version and remote in net:
                        matched.append(net)
                key = f"{rec['action']} {'matched' if matched else 'unmatched'}"
                counts[key] = counts.get(key, 0) + 1
    return n, counts


def case_python_loop(data: Path, manifest: dict[str, Any], **_: Any) -> dict[str, Any]:
    files = files_of(data, manifest, "default")
    began = time.perf_counter()
    n, counts = python_loop(files, data / "snapshot", PYTHON_LOOP_RECORDS)
    return {"seconds": time.perf_counter() - began, "records": n, "counts": counts}


CHECKPOINT_STEP = "sql db.checkpoint"
"""The profile's name for DuckDB's CHECKPOINT (flowsg.db.checkpoint), not a query of queries/."""


def case_profile(data: Path, **_: Any) -> dict[str, Any]:
    """`flowsg.analyze` on the default-format files with every SQL statement and stage timed."""
    import flowsg
    from flowsg import db, pipeline, sql

    steps: dict[str, list[float]] = {}

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                key = f"sql {args[1]}" if name == "sql" else name
                spent = steps.setdefault(key, [0.0, 0])
                spent[0] += time.perf_counter() - began
                spent[1] += 1

        return wrapper

    original_run = sql.run
    sql.run = timed("sql", original_run)  # type: ignore[assignment]
    for stage in ("load_snapshot", "load", "attribute"):
        setattr(pipeline, stage, timed(f"stage {stage}", getattr(pipeline, stage)))
    # The CHECKPOINTs compress the records held in memory (a third of a 10M load's time); flowsg
    # calls them as db.checkpoint, as it runs its queries as sql.run.
    db.checkpoint = timed(CHECKPOINT_STEP, db.checkpoint)
    con = flowsg.connect(":memory:")
    began = time.perf_counter()
    flowsg.analyze(con, [str(data / "default")], data / "snapshot")
    total = time.perf_counter() - began
    summary_began = time.perf_counter()
    flowsg.analyze_summary(con)
    steps["stage analyze_summary"] = [time.perf_counter() - summary_began, 1]
    sql.run = original_run  # type: ignore[assignment]
    return {"seconds": total, "steps": steps}


WORKERS: dict[str, Callable[..., dict[str, Any]]] = {
    "bare read": case_bare_read,
    "duckdb table": case_duckdb_table,
    "analyze memory": case_analyze_memory,
    "analyze --out": case_analyze_out,
    "analyze custom": case_analyze_custom,
    "analyze parquet": case_analyze_parquet,
    FILE_CASE: case_analyze_file,
    SMALL_CASE: case_analyze_small,
    SPARK_CASE: case_analyze_spark,
    "python loop": case_python_loop,
    "profile": case_profile,
}


def _own_peak_rss_mb() -> float | None:
    """This process's peak RSS (VmHWM) on Linux: the executed program's own, unlike
    ru_maxrss, which Linux carries over from the forking parent through exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def worker(case: str, data: Path, result_file: Path) -> int:
    manifest = generate.read_manifest(data)
    if manifest is None:
        raise SystemExit(f"no benchmark data in {data}")
    with tempfile.TemporaryDirectory(prefix="flowsg-bench-") as out:
        result = WORKERS[case](data=data, manifest=manifest, out=out)
    result["vm_hwm_mb"] = _own_peak_rss_mb()
    result_file.write_text(json.dumps(result))
    return 0


# ----------------------------------------------------------------------------- measuring (parent)


CASE_TIMEOUT = 1800.0
"""Seconds one case may run before it is killed (a runaway case must not hold the machine)."""


def run_worker(case: str, data: Path, timeout: float | None = None) -> tuple[dict[str, Any], float]:
    """Run one case in a fresh interpreter; its result and its peak RSS in MB."""
    limit = CASE_TIMEOUT if timeout is None else timeout
    with tempfile.TemporaryDirectory(prefix="flowsg-bench-") as tmp:
        result_file = Path(tmp) / "result.json"
        argv = [sys.executable, str(Path(__file__).resolve()), "--worker", case]
        argv += ["--data", str(data), "--result", str(result_file)]
        # stderr goes to a file, not a pipe: a chatty case must not block on a full pipe
        with open(Path(tmp) / "stderr.txt", "w+b") as err:
            proc = subprocess.Popen(argv, stderr=err, stdout=subprocess.DEVNULL)
            deadline = time.monotonic() + limit
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() > deadline:
                    proc.kill()
                    os.wait4(proc.pid, 0)
                    raise RuntimeError(f"benchmark case {case!r} took more than {limit:.0f} s")
                time.sleep(0.05)
            proc.returncode = os.waitstatus_to_exitcode(status)
            err.seek(0)
            errors = err.read().decode(errors="replace")
        if proc.returncode != 0:
            raise RuntimeError(f"benchmark case {case!r} failed ({proc.returncode}):\n{errors}")
        result: dict[str, Any] = json.loads(result_file.read_text())
    rss_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    if sys.platform == "darwin":
        rss_mb /= 1024  # bytes on macOS
    return result, result.get("vm_hwm_mb") or rss_mb


FLAVOUR_OF = {"analyze custom": "custom", "analyze parquet": "parquet", SMALL_CASE: "small"}
"""The data each case reads, where it is not the default-format files."""


def measure(case: str, data: Path, manifest: dict[str, Any]) -> Result:
    result, rss = run_worker(case, data)
    records = manifest["records"]
    flavour = FLAVOUR_OF.get(case, "default")
    input_mb = manifest["bytes"][flavour] / 1e6
    measured = int(result.get("records", records)) if case == "python loop" else 0
    note = ""
    if case == "python loop":
        note = f"{measured:,} records measured, extrapolated"
    elif case == SPARK_CASE:
        note = "peak RSS of the Python driver only (Spark's JVM is not counted)"
    elif "records" in result and result["records"] != records:
        note = f"read {result['records']:,} records"
    return Result(case, records, input_mb, result["seconds"], rss, measured, None, note, result)


def measure_size(
    records: int,
    root: Path = DATA,
    cases: Sequence[str] = CASES,
    spec_overrides: dict[str, Any] | None = None,
    log: Callable[[str], None] = lambda s: print(s, file=sys.stderr),
) -> list[Result]:
    """Generate (once) and measure every case at one size."""
    spec = generate.Spec(records, **(spec_overrides or {}))
    data = root / size_name(records)
    began = time.monotonic()
    manifest = generate.ensure(spec, data, quiet=True)
    if time.monotonic() - began > 1:
        log(f"generated {data} in {time.monotonic() - began:.1f} s")
    small = None
    if SMALL_CASE in cases:
        small = generate.ensure_small(data, manifest)
        manifest = manifest | {"bytes": manifest["bytes"] | {"small": small["bytes"]}}
    results = []
    for case in cases:
        log(f"  {size_name(records)}: {case} ...")
        results.append(measure(case, data, manifest))
    bare = next((r for r in results if r.case == "bare read"), None)
    if bare:
        for r in results:
            r.ratio = (1 / r.records_per_s) / (1 / bare.records_per_s)
    cut, whole = _pick(results, SMALL_CASE), _pick(results, "analyze memory")
    if cut and small:
        cut.note = f"{small['files']:,} files of {small['records_per_file']:,} records"
        if whole:
            cut.note += f"; {cut.seconds / whole.seconds:.2f}x the time of analyze memory"
            cut.note += f" (the same records in {len(manifest['files'])} file(s))"
    return results


# ----------------------------------------------------------------------------- targets and table


def _pick(results: list[Result], case: str, records: int | None = None) -> Result | None:
    found = [r for r in results if r.case == case and (records is None or r.records == records)]
    return found[-1] if found else None


def check_targets(results: list[Result]) -> list[Target]:
    """Each row of the issue's targets table, at 10M records when measured (else the largest)."""
    sizes = sorted({r.records for r in results})
    at = TARGET_SIZE if TARGET_SIZE in sizes else sizes[-1]
    where = "" if at == TARGET_SIZE else f" (at {size_name(at).upper()}; defined at 10M)"
    rows: list[Target] = []

    def status(ok: bool | None) -> str:
        return "n/a" if ok is None else "PASS" if ok else "FAIL"

    mem = _pick(results, "analyze memory", at)
    out = _pick(results, "analyze --out", at)
    parquet = _pick(results, "analyze parquet", at)
    if mem and mem.ratio is not None:
        stretch = "met" if mem.ratio <= 2 else "not met"
        rows.append(Target("analyze --db :memory:", "<= 3x bare read", f"{mem.ratio:.2f}x{where}",
                           status(mem.ratio <= 3), f"<= 2x: {stretch}"))  # fmt: skip
    if out and out.ratio is not None:
        stretch = "met" if out.ratio <= 3 else "not met"
        rows.append(Target("analyze --out DIR", "<= 4x bare read", f"{out.ratio:.2f}x{where}",
                           status(out.ratio <= 4), f"<= 3x: {stretch}"))  # fmt: skip
    # "The same logs": the Parquet files hold the custom format's v5 fields, as S3 writes a
    # flow log of that format, so their gzip text is the custom files (the default files have
    # 14 fields, not 25).
    text = _pick(results, "analyze custom", at)
    if text and parquet:
        speedup = text.seconds / parquet.seconds
        rows.append(Target("S3 Parquet logs", ">= 4x faster than the same gzip text",
                           f"{speedup:.2f}x faster{where}", status(speedup >= 4)))  # fmt: skip
    # the in-memory runs, and (separately) the database file with a memory limit
    for label, runs in (
        ("", [r for r in results if r.case.startswith("analyze") and r.case != FILE_CASE]),
        (f" --db FILE {FILE_MEMORY_LIMIT}", [r for r in results if r.case == FILE_CASE]),
    ):
        at_runs = [r for r in runs if r.records == at]
        if at_runs:
            peak = max(r.peak_rss_mb for r in at_runs)
            stretch = f"<= 1 GB: {'met' if peak <= 1024 else 'not met'}"
            name = f"peak RSS{label or ' (in memory)'}"
            rows.append(Target(name, "<= 2 GB at 10M", f"{peak:,.0f} MB{where}",
                               status(peak <= 2048), stretch))  # fmt: skip
        big = [s for s in sizes if s >= TARGET_SIZE and any(r.records == s for r in runs)]
        if len(big) >= 2:
            peaks = [max(r.peak_rss_mb for r in runs if r.records == s) for s in big]
            growth = peaks[-1] / peaks[0]
            rows.append(Target(f"peak RSS flat{label}", "10M -> 30M flat (within 20%)",
                               f"x{growth:.2f} from {size_name(big[0]).upper()} to "
                               f"{size_name(big[-1]).upper()}", status(growth <= 1.2)))  # fmt: skip
        elif runs:
            rows.append(Target(f"peak RSS flat{label}", "10M -> 30M flat (within 20%)",
                               "not measured (needs --sizes 10M,30M)", "n/a"))  # fmt: skip
    rates = {s: r.records_per_s for s in sizes if (r := _pick(results, "analyze memory", s))}
    if len(rates) >= 2:
        spread = max(rates.values()) / min(rates.values())
        text = ", ".join(f"{size_name(s).upper()} {v / 1e6:.2f}M/s" for s, v in rates.items())
        rows.append(Target("growth (records/s)", "1M, 10M, 30M within 20%",
                           f"{text} (spread {spread:.2f})", status(spread <= 1.2)))  # fmt: skip
    else:
        rows.append(Target("growth (records/s)", "1M, 10M, 30M within 20%",
                           "not measured (needs several sizes)", "n/a"))  # fmt: skip
    one = 1_000_000 if 1_000_000 in sizes else sizes[0]
    loop, fast = _pick(results, "python loop", one), _pick(results, "analyze memory", one)
    if loop and fast:
        speedup = fast.records_per_s / loop.records_per_s
        per_million = 1e6 / loop.records_per_s
        rows.append(Target("vs per-record Python loop", ">= 100x faster on 1M",
                           f"{speedup:,.1f}x (loop {per_million:.1f} s per million, "
                           f"extrapolated from {loop.measured_records:,})",
                           status(speedup >= 100)))  # fmt: skip
    return rows


def render(results: list[Result], targets: list[Target]) -> str:
    head = ("case", "records", "input MB", "wall s", "records/s", "MB/s", "peak RSS MB", "x bare")
    rows = []
    for r in results:
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else "-"
        rows.append((r.case, f"{r.records:,}", f"{r.input_mb:,.1f}", f"{r.seconds:.2f}",
                     f"{r.records_per_s:,.0f}", f"{r.mb_per_s:.1f}", f"{r.peak_rss_mb:,.0f}",
                     ratio))  # fmt: skip
    lines = [_table(head, rows, right=range(1, 8))]
    notes = [f"  {r.case} {r.records:,}: {r.note}" for r in results if r.note]
    if notes:
        lines += ["", "Notes", *notes]
    trows = [(t.what, t.target, t.measured, t.status, t.stretch) for t in targets]
    lines += ["", _table(("target", "wanted", "measured", "status", "stretch"), trows, range(0))]
    return "\n".join(lines)


def _table(head: Sequence[str], rows: list[Sequence[str]], right: Any) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=False)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            str(c).rjust(w) if i in right else str(c).ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, rows)])


def render_profile(profile: dict[str, Any]) -> str:
    steps = profile["steps"]
    total = profile["seconds"]
    stages = {k: v for k, v in steps.items() if k.startswith("stage ")}
    sqls = sorted(
        ((k, v) for k, v in steps.items() if k.startswith("sql ")), key=lambda kv: -kv[1][0]
    )
    lines = [f"flowsg.analyze: {total:.2f} s"]
    for key, (sec, _) in stages.items():
        lines.append(f"  {key.removeprefix('stage '):<28} {sec:7.2f} s  {sec / total:6.1%}")
    sql_total = sum(v[0] for _, v in sqls)
    lines.append(f"SQL statements: {sql_total:.2f} s in all; the slowest:")
    for key, (sec, calls) in sqls[:15]:
        lines.append(f"  {key.removeprefix('sql '):<28} {sec:7.2f} s  {sec / total:6.1%}  x{calls}")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    import duckdb

    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = 0.0
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(mem, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="flowsg benchmark suite")
    parser.add_argument("--quick", action="store_true", help="1M records only (about a minute)")
    parser.add_argument("--sizes", help="comma-separated sizes, e.g. 1M,10M,30M")
    parser.add_argument("--cases", help="comma-separated cases (default: all): " + ", ".join(CASES))
    parser.add_argument("--data", type=Path, default=DATA, help="where generated data is kept")
    parser.add_argument("--json", type=Path, help="save the results to this file")
    parser.add_argument("--profile", action="store_true", help="time flowsg's SQL steps too")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.data, args.result)
    if args.sizes:
        sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    else:
        sizes = list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    cases = [c.strip() for c in args.cases.split(",")] if args.cases else list(CASES)
    if unknown := [c for c in cases if c not in CASES]:
        parser.error(f"unknown case(s): {', '.join(unknown)}")
    results: list[Result] = []
    profiles: dict[str, Any] = {}
    for records in sizes:
        results += measure_size(records, args.data, cases)
        if args.profile:
            profile, rss = run_worker("profile", args.data / size_name(records))
            profiles[size_name(records)] = profile | {"peak_rss_mb": rss}
    targets = check_targets(results)
    info = machine()
    print(
        f"flowsg benchmark on {info['cpus']} cores, {info['memory_gb']} GB, {info['platform']}, "
        f"Python {info['python']}, DuckDB {info['duckdb']}"
    )
    print(render(results, targets))
    for name, profile in profiles.items():
        print(f"\nProfile at {name.upper()} records")
        print(render_profile(profile))
    if args.json:
        document = {
            "machine": info,
            "results": [asdict(r) | {"records_per_s": r.records_per_s} for r in results],
            "targets": [asdict(t) for t in targets],
            "profiles": profiles,
        }
        args.json.write_text(json.dumps(document, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
