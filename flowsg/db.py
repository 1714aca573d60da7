"""Opening the DuckDB database that holds flowsg's state."""

from __future__ import annotations

import hashlib
import itertools
import os
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from .errors import DatabaseError, UsageError
from .sql import fetchall, install_dialect

DEFAULT_DB = "flowsg.duckdb"


def connect(
    database: str | Path = DEFAULT_DB,
    *,
    read_only: bool = False,
    threads: int | None = None,
    memory_limit: str | None = None,
    temp_directory: str | Path | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open (or create) the database file, or ``":memory:"``, ready for flowsg's queries.

    ``read_only`` opens an existing database for the reports: it is never created, and several
    readers may share it. ``threads`` (default: every core) and ``memory_limit`` (a DuckDB size
    such as ``"4GB"``; default: 75% of the machine's memory or of its cgroup's limit, when
    less) are passed to DuckDB, which spills to
    ``temp_directory`` beyond the limit (default: see :func:`spill_directory`). No DuckDB
    extension is downloaded: everything flowsg runs is in DuckDB's core (the json and parquet
    extensions are statically linked in the Python package).
    """
    path = str(database)
    if threads is not None and threads < 1:
        raise UsageError(f"--threads must be at least 1, not {threads}")
    config: dict[str, Any] = {
        "autoinstall_known_extensions": False,
        "memory_limit": memory_limit or _default_memory_limit(),
    }
    spill = spill_directory(path, temp_directory, read_only=read_only)
    if spill is not None:
        config["temp_directory"] = spill
    if threads is not None:
        config["threads"] = threads
    if not read_only:
        # No checkpoint in the middle of a run: DuckDB's automatic ones (every 16 MB of changes)
        # stalled the statement that happened to trigger them for seconds (2 s of a 7 s analyze
        # at 1M records, in memory), for no gain in peak memory; a file database is
        # checkpointed when it is closed.
        config["checkpoint_threshold"] = NO_AUTOMATIC_CHECKPOINT
    if read_only and path != ":memory:" and not Path(path).exists():
        raise DatabaseError(
            f"no database at {path}",
            f"run `flowsg analyze LOGS --snapshot DIR --db {path}` first",
        )
    # The path as given: DuckDB itself would read a leading '~' as the home folder and 'md:' as
    # a MotherDuck database; './' in front makes any relative path a plain file name to it.
    literal = path if path == ":memory:" or os.path.isabs(path) else os.path.join(os.curdir, path)
    try:
        con = duckdb.connect(literal, read_only=read_only, config=config)
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise DatabaseError(
                f"database {path} is in use by another process",
                "wait for the other flowsg run to finish, or use another --db",
            ) from exc
        raise DatabaseError(f"cannot open database {path}: {_first_line(text)}") from exc
    except (duckdb.InvalidInputException, duckdb.ParserException) as exc:
        raise UsageError(f"cannot use these settings: {_first_line(str(exc))}") from exc
    except duckdb.Error as exc:
        raise DatabaseError(f"cannot open database {path}: {_first_line(str(exc))}") from exc
    # DuckDB draws its progress bar on stdout (which carries data only) for a statement running
    # over 2 s, as attribution's do at 100M records; flowsg's own display is on stderr.
    con.execute("SET enable_progress_bar = false").fetchall()
    con.execute("SET enable_progress_bar_print = false").fetchall()  # even if a user enables it
    install_dialect(con)
    return con


def checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    """Checkpoint the database at a moment flowsg chooses (DuckDB's automatic checkpoints are off
    during a run, see :func:`connect`): an in-memory database compresses what was written since
    the last one (as a file stores it: 10M records then take about a third of a GB instead of
    2.2 GB); a file writes it to disk. Called every CHECKPOINT_ROWS records of a load, after a
    load and after an attribution."""
    con.execute("CHECKPOINT").fetchall()


def commit_checkpointed(con: duckdb.DuckDBPyConnection) -> None:
    """COMMIT the open transaction with a checkpoint.

    A database file checkpoints in the same step: DuckDB then writes the changed rows where they
    belong instead of first into the write-ahead log: a file database's attribution (one key_id
    updated per record) wrote a 2.5 GB log at 100M records, and its COMMIT and the checkpoint
    after it took 24.6 + 2.9 s; checkpointed at commit, 11.3 s and no log. If DuckDB cannot
    checkpoint then (another transaction is open), it logs as usual.

    An in-memory database, which has no log, commits and then checkpoints: checkpointed in the
    commit itself, DuckDB kept versions of every updated row in memory for good
    (tagged TRANSACTION in duckdb_memory(): 196 MB after the attribution of 10M records, about 20
    bytes a record), since a later checkpoint with nothing new to write leaves the table alone.
    Committed first, the checkpoint after it frees them."""
    [(path,)] = fetchall(con, "match/database_file")
    if path is None:
        con.execute("COMMIT").fetchall()
        checkpoint(con)
        return
    con.execute("SET checkpoint_threshold = $size", {"size": "0b"}).fetchall()
    try:
        con.execute("COMMIT").fetchall()
    finally:
        con.execute("SET checkpoint_threshold = $size", {"size": NO_AUTOMATIC_CHECKPOINT})


NO_AUTOMATIC_CHECKPOINT = "1TB"
"""DuckDB's checkpoint_threshold during a run: no automatic checkpoint (see connect)."""

CHECKPOINT_ROWS = 1_000_000
"""Records a load writes between two checkpoints: what is held uncompressed at most. 10M records in
memory, peak RSS with 2M / 1M: default format 1.59-1.71 / 1.44-1.50 GB, 25-field custom format
2.52-2.78 / 2.39-2.42 GB; wall time within noise, CPU time 3% more (2026-12-05, back to back)."""


SPILL_HINT = (
    "if it is a file of DuckDB's temporary folder (where it spills beyond --memory-limit), give"
    " --temp-dir a folder it can write to, with room"
)
"""The hint of a DuckDB I/O error during a run: spilling is the file access no option names."""

_SPILLS = itertools.count()


def spill_directory(
    database: str, temp_directory: str | Path | None = None, *, read_only: bool = False
) -> str | None:
    """Where DuckDB spills what does not fit under its memory limit: ``temp_directory`` as given;
    else, for ``":memory:"`` and for a database opened read-only (the reports), a folder of its
    own in the system's temporary folder (``$TMPDIR``, else /tmp: like sort(1)), which DuckDB
    creates when it first spills and removes when the connection closes. DuckDB's own defaults
    there, ``.tmp`` in the current directory and ``FILE.tmp`` beside the file, failed a run
    started in a folder it cannot write to, and a report on a database in a folder its reader
    may not write to (a shared analysis); an empty ``.tmp`` was left behind when two runs shared
    it. For a database file a run writes: None, DuckDB's default, ``FILE.tmp`` beside it.

    Each in-memory database has a folder of its own. A file opened read-only twice in one process
    gets the same folder both times: DuckDB shares one instance between the connections to a file
    and refuses a second whose settings differ."""
    if temp_directory is not None:
        given = str(temp_directory)  # used as given: './' keeps DuckDB from expanding a '~'
        return given if os.path.isabs(given) else os.path.join(os.curdir, given)
    if database == ":memory:":
        name = f"flowsg-{os.getpid()}-{next(_SPILLS)}.tmp"
    elif read_only:
        which = hashlib.sha256(os.fsencode(os.path.realpath(database))).hexdigest()[:12]
        name = f"flowsg-{os.getpid()}-{which}.tmp"
    else:
        return None
    return os.path.join(tempfile.gettempdir(), name)


def _default_memory_limit() -> str:
    """75% of the memory this process may use, in whole MiB (DuckDB's own default is 80%):
    the machine's, or its cgroup's when that is less (a container's limit: 75% of the machine's
    memory in a container allowed less had DuckDB hold more than the container may, and the
    kernel kill the run instead of DuckDB spilling)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "75%"
    allowed = cgroup_memory_limit()
    if allowed is not None:
        total = min(total, allowed)
    return f"{int(total * 0.75) // (1024 * 1024)}MiB"  # DuckDB's MB is 1,000,000 bytes


NO_LIMIT = 1 << 60
"""A cgroup v1 memory limit at or above this is "unlimited" (the kernel writes 2^63 rounded down
to a page)."""


def cgroup_memory_limit(
    proc_cgroup: Path = Path("/proc/self/cgroup"), mounts: Path = Path("/sys/fs/cgroup")
) -> int | None:
    """The least memory limit, in bytes, of the cgroups this process is in and of their parents
    (cgroup v2: memory.max; v1: the memory controller's memory.limit_in_bytes), or None when
    there is none (not Linux, no cgroup file readable, or every limit "max")."""
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        return None
    limits: list[int] = []
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":
            root, name = mounts, "memory.max"
        elif "memory" in controllers.split(","):
            root, name = mounts / "memory", "memory.limit_in_bytes"
        else:
            continue
        folder = root / path.strip().lstrip("/")
        for level in (folder, *folder.parents):
            if not level.is_relative_to(root):
                break
            try:
                text = (level / name).read_text().strip()
            except OSError:
                continue
            if text.isdigit() and int(text) < NO_LIMIT:
                limits.append(int(text))
    return min(limits) if limits else None


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unknown error"


def require_analysis(con: duckdb.DuckDBPyConnection, database: str = "FILE") -> None:
    """Fail with a clear error (exit 5) unless `flowsg analyze` has filled this database."""
    missing = [name for (name,) in fetchall(con, "report/missing_tables")]
    if missing:
        raise DatabaseError(
            f"database {database} holds no analysis ({', '.join(missing)} missing)",
            f"run `flowsg analyze LOGS --snapshot DIR --db {database}` first",
        )
