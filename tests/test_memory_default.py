"""The default --memory-limit: 75% of the memory the process may use, which in a container is its
cgroup's limit, not the machine's (flowsg.db.cgroup_memory_limit), read from real files laid out
as /proc/self/cgroup and /sys/fs/cgroup are."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from flowsg import db

GIB = 1 << 30


def layout(tmp_path: Path, cgroup: str, limits: dict[str, str]) -> tuple[Path, Path]:
    """A /proc/self/cgroup holding `cgroup`, and a /sys/fs/cgroup with the files of `limits`."""
    proc = tmp_path / "cgroup"
    proc.write_text(cgroup)
    mounts = tmp_path / "sys-fs-cgroup"
    for name, value in limits.items():
        (mounts / name).parent.mkdir(parents=True, exist_ok=True)
        (mounts / name).write_text(value + "\n")
    return proc, mounts


def test_cgroup_v2_limit_is_the_least_on_the_path(tmp_path: Path) -> None:
    proc, mounts = layout(
        tmp_path,
        "0::/system.slice/job.scope\n",
        {
            "memory.max": "max",  # the root: no limit
            "system.slice/memory.max": str(3 * GIB),
            "system.slice/job.scope/memory.max": str(4 * GIB),
        },
    )
    assert db.cgroup_memory_limit(proc, mounts) == 3 * GIB


def test_cgroup_v1_memory_controller(tmp_path: Path) -> None:
    proc, mounts = layout(
        tmp_path,
        "12:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n1:name=systemd:/docker/abc\n",
        {
            "memory/memory.limit_in_bytes": "9223372036854771712",  # v1's "unlimited"
            "memory/docker/abc/memory.limit_in_bytes": str(2 * GIB),
            "cpu,cpuacct/docker/abc/memory.limit_in_bytes": "1",  # not the memory controller
        },
    )
    assert db.cgroup_memory_limit(proc, mounts) == 2 * GIB


def test_container_that_sees_its_own_cgroup_as_the_root(tmp_path: Path) -> None:
    """In a container's namespace the path may be '/' or not exist under the mount: the files at
    the mount itself are the container's."""
    proc, mounts = layout(tmp_path, "0::/\n", {"memory.max": str(GIB)})
    assert db.cgroup_memory_limit(proc, mounts) == GIB
    proc, mounts = layout(tmp_path, "0::/elsewhere/x\n", {"memory.max": str(GIB)})
    assert db.cgroup_memory_limit(proc, mounts) == GIB


@pytest.mark.parametrize(
    ("cgroup", "limits"),
    [
        ("0::/\n", {"memory.max": "max"}),
        ("0::/\n", {}),
        ("4:memory:/\n", {"memory/memory.limit_in_bytes": "9223372036854771712"}),
        ("garbage\n", {"memory.max": str(GIB)}),
        ("0::/\n", {"memory.max": "not a number"}),
    ],
)
def test_no_limit(tmp_path: Path, cgroup: str, limits: dict[str, str]) -> None:
    proc, mounts = layout(tmp_path, cgroup, limits)
    assert db.cgroup_memory_limit(proc, mounts) is None


def test_no_cgroup_file(tmp_path: Path) -> None:
    assert db.cgroup_memory_limit(tmp_path / "absent", tmp_path) is None


V1_MEMORY = Path("/sys/fs/cgroup/memory")


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or os.geteuid() != 0 or not os.access(V1_MEMORY, os.W_OK),
    reason="needs root and a writable cgroup v1 memory controller to make a cgroup",
)
def test_flowsg_in_a_2_gib_cgroup_gives_duckdb_75_percent_of_it() -> None:
    """The real thing: a child process moved into a new cgroup allowed 2 GiB connects, and
    DuckDB's memory_limit is 1.5 GiB, not 75% of the machine's memory."""
    group = V1_MEMORY / f"flowsg-test-{uuid.uuid4().hex[:8]}"
    group.mkdir()
    try:
        (group / "memory.limit_in_bytes").write_text(str(2 * GIB))
        code = (
            "import os, sys, flowsg\n"
            f"open({str(group / 'cgroup.procs')!r}, 'w').write(str(os.getpid()))\n"
            "con = flowsg.connect(':memory:')\n"
            "print(con.execute(\"SELECT current_setting('memory_limit')\").fetchall()[0][0])\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert done.stdout.strip() == "1.5 GiB"  # 75% of 2 GiB, as DuckDB prints it
    finally:
        group.rmdir()
