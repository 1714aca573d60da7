"""Stage 1, ingest: flow-log files into the tables ``flow_store`` (read through the views
``flow_records`` and ``flows``), ``malformed`` and ``files``.

Python only finds files and decompresses them in large blocks (no per-line Python). A plain
block is split into fields by Arrow's CSV reader (_fast_fields); any other block is cut into lines
and split by SQL string functions (``queries/ingest/split_lines.sql``). DuckDB does the type
checks and the quarantine in set-based SQL (``queries/ingest/``) on a thread of its own
(_SqlWorker). Every physical line read ends up as exactly one of: a header, a row of ``flows``, a
row of ``malformed``.
"""

from __future__ import annotations

import codecs
import contextlib
import importlib
import io
import os
import queue
import stat
import tempfile
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import IO, Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from . import db, sql
from .db import CHECKPOINT_ROWS
from .errors import DatabaseError, InputError
from .fields import FIELDS, TRANSIT_GATEWAY_FIELDS
from .files import not_utf8, printable, walk_tree
from .logformat import DEFAULT, LogFormat, header_format, parse_log_format
from .sources import ChunkStream, RemoteFile, SourceOptions, expand, is_remote, select, with_format


def _inflate_module() -> Any:
    """ISA-L's inflate (the same API and results as zlib's, about twice as fast), else zlib's on a
    platform without its wheels (the dependency is limited to those that have them)."""
    try:
        return importlib.import_module("isal.isal_zlib")
    except ImportError:
        return zlib


_inflate: Any = _inflate_module()
_READ_ERRORS: tuple[type[Exception], ...] = (OSError, EOFError, zlib.error, _inflate.error)
"""What reading a file may raise: a read error, a truncated or a corrupt gzip stream."""

MAX_LINE_BYTES = 65_536
"""Longest line loaded, in bytes; a longer one is quarantined as "line too long" (documented)."""

BLOCK_BYTES = 16 * 1024 * 1024
"""Decompressed bytes cut into lines at a time; also the most a single line may hold in memory."""

SMALL_FILE_BYTES = 1024 * 1024
"""A text file whose lines after its header are fewer bytes than this is gathered with others
(_Batches.gather)."""
GATHER_BYTES = 4 * 1024 * 1024
"""Bytes of small files' lines split in one call of the fast path."""

PARQUET_BATCH_ROWS = 262_144
"""Parquet rows read at a time, and the size of a Parquet batch for SQL: rows of small files are
gathered up to it (1M rows in 200 files: load 14.3 -> 3.6 s; in one file 3.3 s), but not beyond,
unlike text lines (_Batches.max_lines): with its typed columns held in flight, a batch of a
million rows raised the peak at 10M rows of 25 fields from 1.9 to 2.4 GB for a second at most
(2026-12-05)."""
IN_FLIGHT_LINES = 1_000_000
"""Lines (Parquet: rows) of the batches handed to the SQL thread, being filed and waiting, at
most, unless a single batch is larger (_SqlWorker.submit)."""
PARQUET_MALFORMED = "ingest/insert_malformed_parquet"
FIELDS_MALFORMED = "ingest/insert_malformed_fields"

SKIPPED_SUFFIXES = (".md", ".json", ".py", ".ipynb", ".yml", ".yaml", ".toml", ".html", ".sh")
"""Inside a directory, files with these endings are not flow logs (a snapshot's JSON, a README);
a file named on the command line is always read."""

_HEADER_CANDIDATE = r"^ *[a-z][a-z0-9-]*( +[a-z][a-z0-9-]*)* *\r?$"


@dataclass
class Progress:
    """What a run has done so far, for a progress display."""

    files_done: int
    files_total: int
    lines: int
    current_file: str
    stage: str = "load"  # load, then (flowsg analyze) attribute


ProgressCallback = Callable[[Progress], None]


@dataclass
class _FileStats:
    source_file: str
    file_type: str
    lines_read: int = 0
    headers: int = 0
    formats: list[str] = field(default_factory=list)
    records: int = 0  # counted by the SQL thread (_SqlWorker)
    malformed: int = 0  # lines quarantined by the reading thread (headers, over-long lines)
    quarantined: int = 0  # rows quarantined by the SQL thread
    used_fallback: bool = False  # some lines were read before any header, in the fallback format
    error: str | None = None

    @property
    def readable(self) -> bool:
        """Read at least in part: opened without error, or some lines came out before one."""
        return self.file_type != "unreadable" and (self.error is None or self.lines_read > 0)


@dataclass(frozen=True)
class WalkResult:
    given: list[str]
    files: list[str]
    unreadable: list[tuple[str, str]]
    skipped: list[str]
    warnings: tuple[str, ...] = ()


def walk(
    paths: Iterable[str | os.PathLike[str]], *, sources: SourceOptions | None = None
) -> WalkResult:
    """Expand files and directories (recursively, sorted), s3:// prefixes and cwl:// log groups
    (flowsg.sources) into the files to read.

    A path that does not exist is a usage problem of the whole run and raises InputError. A
    directory that cannot be listed, or a symbolic link that leads back into a directory being
    walked (a loop), is reported as unreadable and the walk goes on. With ``sources.since`` or
    ``until``, files found in directories (and S3 objects) whose date path lies outside the range
    are skipped; a file named on the command line is always read.
    """
    options = sources or SourceOptions()
    given = [os.fspath(p) for p in paths]
    files: list[str] = []
    unreadable: list[tuple[str, str]] = []
    skipped: list[str] = []
    warnings: list[str] = []
    for path in given:
        if is_remote(path):
            found = expand(path, options, SKIPPED_SUFFIXES)
            files += found.files
            unreadable += found.unreadable
            skipped += found.skipped
            warnings += found.warnings
            continue
        if not os.path.lexists(path):
            raise InputError(f"no such file or directory: {printable(path)}", "check the path")
        if os.path.isdir(path):
            tree = walk_tree(path, SKIPPED_SUFFIXES)
            inside, outside = select(tree.files, options.since, options.until)
            files += inside
            unreadable += tree.unreadable
            skipped += tree.skipped + outside
        else:
            files.append(path)
    # A name that is not UTF-8 cannot be a source_file: the file is reported, not read.
    unreadable = [(printable(path), reason) for path, reason in unreadable]
    unreadable += [(printable(path), _NOT_UTF8) for path in files if not_utf8(path)]
    files = [path for path in files if not not_utf8(path)]
    return WalkResult(given, files, unreadable, skipped, tuple(warnings))


_NOT_UTF8 = "unreadable: the file name is not valid UTF-8 (rename the file to read it)"


@dataclass(frozen=True)
class LoadResult:
    """What :func:`load` did; the summary itself is read from the database (report.load_summary)."""

    files_read: int
    files_unreadable: int
    files_skipped: int
    lines_read: int
    seconds: float


def load(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[str | os.PathLike[str]] | WalkResult,
    *,
    log_format: str | LogFormat | None = None,
    append: bool = False,
    progress: ProgressCallback | None = None,
    sources: SourceOptions | None = None,
) -> LoadResult:
    """Read flow logs from files and directories into ``flows``, ``malformed`` and ``files``.

    ``log_format`` is the format of files without a header line (default: the version 2 default
    format), in AWS's ``${field}`` syntax. Without ``append`` the tables are replaced. The load
    writes into staging tables (``<table>_loading``) and makes them the tables in one short
    transaction at the end: if it fails half-way, the tables are as they were. ``paths`` may be
    the result of :func:`walk` when the caller walked them already; ``sources`` is passed to
    :func:`walk` (s3:// and cwl:// paths, the time range).

    Raises InputError when a path does not exist or when not one file could be read.
    """
    began = time.monotonic()
    if isinstance(log_format, str):
        fallback = parse_log_format(log_format)
    else:
        fallback = log_format or DEFAULT
    if not isinstance(paths, WalkResult):
        paths = walk(paths, sources=with_format(sources, log_format))
    walked = paths
    if not walked.files and not walked.unreadable:
        raise InputError(
            "no flow-log files found under " + ", ".join(walked.given),
            "directories are walked recursively; files ending in "
            + ", ".join(SKIPPED_SUFFIXES)
            + " are skipped unless named, and so are files whose date path lies outside"
            " --since/--until",
        )
    try:
        stats = _load_all(con, walked, fallback, append, progress)
        _swap_in(con, append)
    except duckdb.Error as exc:
        _abandon(con)
        raise _load_error(exc) from exc
    except BaseException:
        _abandon(con)
        raise
    read = sum(s.readable for s in stats)
    result = LoadResult(
        files_read=read,
        files_unreadable=len(stats) - read,
        files_skipped=len(walked.skipped),
        lines_read=sum(s.lines_read for s in stats),
        seconds=time.monotonic() - began,
    )
    if read == 0:
        raise InputError(
            "no readable flow-log file: " + ", ".join(walked.given),
            "see the table `malformed` (flowsg load wrote why each file was not read)",
        )
    return result


def _load_all(
    con: duckdb.DuckDBPyConnection,
    walked: WalkResult,
    fallback: LogFormat,
    append: bool,
    progress: ProgressCallback | None,
) -> list[_FileStats]:
    _migrate(con)
    for table in LOADED_TABLES:
        sql.run(con, f"ingest/create_{table}").fetchall()  # if it does not exist yet
        sql.run(con, f"ingest/create_{table}_loading").fetchall()
    sql.run(con, "ingest/flow_records_view").fetchall()
    _number_files(con, walked.files)
    stats = [_FileStats(path, "unreadable", error=reason) for path, reason in walked.unreadable]
    batches = _Batches(con)
    lines = 0
    try:
        for i, path in enumerate(walked.files):
            if progress:
                progress(Progress(i, len(walked.files), lines, path))
            file_stats = _FileStats(path, "text")
            batches.files[path] = file_stats
            _load_file(path, file_stats, fallback, batches)
            lines += file_stats.lines_read
            stats.append(file_stats)
        batches.flush_all()
    except BaseException:
        batches.sql.abandon()
        raise
    batches.sql.finish()
    if progress:
        progress(Progress(len(walked.files), len(walked.files), lines, ""))
    insert_files(con, [_file_row(file_stats) for file_stats in stats], unreadable=True)
    return stats


def _number_files(con: duckdb.DuckDBPyConnection, files: Sequence[str]) -> None:
    """Give every file of this load its number (source_files; insert_flows reads load_file_ids)."""
    paths = [str(path) for path in dict.fromkeys(files)]
    [(first,)] = sql.fetchall(con, "ingest/next_file_id")
    ids = list(range(first, first + len(paths)))
    sql.run(con, "ingest/load_file_ids", {"ids": ids, "paths": paths}).fetchall()
    sql.run(con, "ingest/insert_source_files").fetchall()


LOADED_TABLES = ("flow_store", "source_files", "malformed", "files")
"""The tables a load writes, each through its staging table <table>_loading."""


def _migrate(con: duckdb.DuckDBPyConnection) -> None:
    """A database of an earlier version keeps its records in the table flow_records (every
    column): it becomes flow_store, and flow_records the view over it."""
    if _kind(con, "flow_records") == "BASE TABLE" and _kind(con, "flow_store") is None:
        con.execute("BEGIN TRANSACTION").fetchall()
        try:
            sql.run(con, "ingest/migrate_flow_records").fetchall()
            sql.run(con, "ingest/flow_records_view").fetchall()
            con.execute("COMMIT").fetchall()
        except BaseException:
            _rollback(con)
            raise


def _kind(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """'VIEW' or 'BASE TABLE' for a name in the database, None when there is none."""
    kinds = [kind for (kind,) in sql.fetchall(con, "ingest/relation_kind", {"name": name})]
    return kinds[0] if kinds else None


def _columns(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, str]:
    """A table's or view's columns and their types, in order."""
    return dict(sql.fetchall(con, "ingest/table_columns", {"name": name}))


def _widen(
    con: duckdb.DuckDBPyConnection, table: str, has: set[str], columns: Iterable[str]
) -> None:
    """Give a flow store table the columns it lacks (`has`: those it has; updated), with the
    types of the view flow_records, where only its columns are found."""
    missing = [c for c in columns if c not in has]
    if not missing:
        return
    types = _columns(con, "flow_records")
    for column in missing:
        sql.run_template(
            con, "ingest/add_store_column", table=table, column=column, type=types[column]
        )
        has.add(column)


def _swap_in(con: duckdb.DuckDBPyConnection, append: bool) -> None:
    """Make the staging tables the tables, in one transaction. Not one transaction for the whole
    load: DuckDB keeps what a transaction replaced or wrote until it ends (1.7 times the memory of
    the records at 10M), and each batch committed on its own can be evicted or spilled."""
    con.execute("BEGIN TRANSACTION").fetchall()
    try:
        _drop_flows(con)  # the view; made again below, without verdicts
        sql.run(con, "ingest/drop_flow_verdicts").fetchall()
        for table in LOADED_TABLES:
            if append:
                if table == "flow_store":  # first the columns of fields new to it
                    has = set(_columns(con, "flow_store"))
                    _widen(con, "flow_store", has, _columns(con, "flow_store_loading"))
                sql.run(con, f"ingest/append_{table}").fetchall()
                sql.run(con, f"ingest/drop_{table}_loading").fetchall()
            else:
                sql.run(con, f"ingest/drop_{table}").fetchall()
                sql.run(con, f"ingest/rename_{table}").fetchall()
        sql.run(con, "ingest/flow_records_view").fetchall()
        sql.run(con, "ingest/flow_rows_view").fetchall()
        sql.run(con, "ingest/flows_view").fetchall()
        con.execute("COMMIT").fetchall()
    except BaseException:
        _rollback(con)
        raise
    db.checkpoint(con)


def _drop_flows(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the view `flows`, or the table of that name a database of an earlier version holds."""
    legacy = _kind(con, "flows") == "BASE TABLE"
    sql.run(con, "ingest/drop_flows_table" if legacy else "ingest/drop_flows").fetchall()


def _abandon(con: duckdb.DuckDBPyConnection) -> None:
    """After a failed load: the tables are as they were; drop what was staged."""
    _rollback(con)
    for table in LOADED_TABLES:
        with contextlib.suppress(duckdb.Error):
            sql.run(con, f"ingest/drop_{table}_loading").fetchall()


def _load_error(exc: duckdb.Error) -> DatabaseError:
    """The error a failed load reports: its first cause (a statement after a failed one only says
    that the transaction is aborted), with a hint for running out of memory."""
    cause: BaseException = exc
    while isinstance(cause, duckdb.TransactionException) and isinstance(
        cause.__context__, duckdb.Error
    ):
        cause = cause.__context__
    text = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    hint = None
    if isinstance(cause, duckdb.OutOfMemoryException):
        hint = "give DuckDB more memory (--memory-limit), or load fewer files at a time"
    elif isinstance(cause, duckdb.IOException):
        hint = db.SPILL_HINT
    return DatabaseError(f"loading failed: {text}", hint)


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK").fetchall()


FILE_ROWS = pa.schema(
    [pa.field(name, pa.string()) for name in ("source_file", "file_type")]
    + [pa.field(name, pa.int64()) for name in ("lines_read", "headers", "records", "malformed")]
    + [pa.field(name, pa.string()) for name in ("formats", "error")]
)
"""The columns of ``file_rows``, what insert_files.sql reads: a row of ``files`` per file."""


def insert_files(
    con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]], unreadable: bool
) -> None:
    """Write the rows of ``files`` (FILE_ROWS) in one statement; with ``unreadable``, also a
    malformed row for every file with an error (the Spark engine files those itself)."""
    con.register("file_rows", pa.Table.from_pylist(rows, schema=FILE_ROWS))
    try:
        if unreadable:
            sql.run(con, "ingest/insert_unreadable_files").fetchall()
        sql.run(con, "ingest/insert_files").fetchall()
    finally:
        con.unregister("file_rows")


def _file_row(stats: _FileStats) -> dict[str, Any]:
    """The file's row of `files`."""
    return {
        "source_file": stats.source_file,
        "file_type": stats.file_type,
        "lines_read": stats.lines_read,
        "headers": stats.headers,
        "records": stats.records,
        "malformed": stats.malformed + stats.quarantined,
        "formats": " | ".join(dict.fromkeys(stats.formats)) or None,
        "error": stats.error,
    }


def _constant(text: str, n: int) -> pa.DictionaryArray[Any, Any]:
    """A column of n copies of text, stored once (dictionary-encoded)."""
    indices: Any = np.zeros(n, dtype=np.int32)
    return pa.DictionaryArray.from_arrays(indices, pa.array([text]))


_Piece = tuple[str, int, int]
"""Lines of one file in a block: the file, the number of its first line, how many lines."""


def _files_of(pieces: Sequence[_Piece]) -> pa.DictionaryArray[Any, Any]:
    """The file of every line of the pieces, each path stored once (dictionary-encoded)."""
    indices: Any = np.repeat(np.arange(len(pieces), dtype=np.int32), [n for _, _, n in pieces])
    return pa.DictionaryArray.from_arrays(indices, pa.array([path for path, _, _ in pieces]))


class _SqlWorker:
    """Runs the load's SQL, in the order given, on a thread of its own, while the calling thread
    decompresses and splits the next blocks: DuckDB and inflate/Arrow release the GIL, so reading
    and SQL overlap. At most one task waits, and a batch waits only while the lines in SQL and
    waiting stay within IN_FLIGHT_LINES, so memory stays bounded: a batch of a million lines
    waits for the SQL thread to be done with the one before (one batch fewer in memory: at 10M
    records in memory the load's peak went 1.41-1.46 -> 1.26-1.31 GB for the default format,
    2.44 -> 2.05-2.16 GB for a 25-field one, in the same time, since reading runs ahead of SQL),
    and Parquet's batches of 262,144 rows still queue (making them wait too made Parquet 0.6-2.2 s
    slower at 10M: its reading is slower). After each batch, once it is freed and before the next
    is let in, the thread runs after_batch (the load's checkpoint when due), so that DuckDB
    compresses without that batch in memory (peak of the 25-field load 2.05-2.13 -> 1.85-2.11 GB,
    default format 1.28-1.32 -> 1.23-1.24 GB, in the same time). The connection is used by this
    thread alone until finish()."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, after_batch: Callable[[], None] | None = None
    ) -> None:
        self.con = con
        self.after_batch = after_batch  # run once each batch is freed
        self._tasks: queue.Queue[tuple[Callable[[], None], int] | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._room = threading.Condition()
        self._lines = 0  # lines of the batches in SQL and waiting
        self._thread = threading.Thread(target=self._run, name="flowsg-load-sql", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._tasks.get()) is not None:
            task, lines = item
            self._do(task)
            del task, item  # the batch is freed before after_batch and before the next is let in
            if lines and self.after_batch is not None:
                self._do(self.after_batch)
            with self._room:
                self._lines -= lines
                self._room.notify_all()

    def _do(self, task: Callable[[], None]) -> None:
        if self._error is None:  # after a failure, the rest is dropped unrun
            try:
                task()
            except BaseException as exc:
                self._error = exc

    def submit(self, task: Callable[[], None], lines: int = 0) -> None:
        """Queue a task; one that holds a batch gives its number of lines."""
        if self._error is not None:
            raise self._error
        with self._room:
            self._room.wait_for(lambda: self._lines + lines <= IN_FLIGHT_LINES or not self._lines)
            self._lines += lines
        self._tasks.put((task, lines))

    def run(self, name: str, params: dict[str, Any] | None = None) -> None:
        """Queue one statement of queries/ (its result is not needed)."""

        def task() -> None:
            sql.run(self.con, name, params).fetchall()

        self.submit(task)

    def finish(self) -> None:
        """Wait for every queued task; raise the first failure."""
        self._tasks.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def abandon(self) -> None:
        """After a failure of the calling thread: interrupt the running statement, drop the rest."""
        self._error = self._error or InterruptedError("load abandoned")
        with contextlib.suppress(duckdb.Error):
            self.con.interrupt()
        self._tasks.put(None)
        self._thread.join()


_BatchKey = tuple[str, LogFormat] | tuple[str, LogFormat, pa.Schema]
"""What a batch is made of: its kind, its format (and for Parquet, its columns' types)."""


class _Batches:
    """Work waiting for SQL, grouped by kind and format, across files: SQL runs once per batch of
    about a million lines rather than once per file (S3 delivers a file every five minutes).
    Kinds: "lines", text lines for split_lines.sql; "fields", lines the fast path already split
    (the shape of fields_raw, see _fast_fields); "parquet", Parquet rows in that shape (see
    _parquet_fields), batched also by the types of their columns (an integer field may be an
    integer column in one file and text in another)."""

    max_lines = 1_000_000

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.sql = _SqlWorker(con, after_batch=self.checkpoint_if_due)
        self.files: dict[str, _FileStats] = {}
        self.pending: dict[_BatchKey, list[pa.Table]] = {}
        self.sizes: dict[_BatchKey, int] = {}
        self.stored = set(_columns(con, "flow_store_loading"))  # the columns it has
        self.unchecked = 0  # records inserted since the last checkpoint
        self.bodies: dict[LogFormat, list[tuple[_FileStats, _Lines]]] = {}  # see gather
        self.body_bytes: dict[LogFormat, int] = {}

    def add(self, path: str, lines: pa.Array[Any], first: int, fmt: LogFormat) -> None:
        n = len(lines)
        table = pa.table(
            {
                "source_file": _constant(path, n),
                "line_number": pa.array(np.arange(first, first + n, dtype=np.int64)),
                "line": lines,
            }
        )
        self._queue(("lines", fmt), table)

    def add_fields(self, table: pa.Table, fmt: LogFormat) -> None:
        self._queue(("fields", fmt), table)

    def add_parquet(self, table: pa.Table, fmt: LogFormat) -> None:
        self._queue(("parquet", fmt, table.schema), table)

    def _queue(self, key: _BatchKey, table: pa.Table) -> None:
        self.pending.setdefault(key, []).append(table)
        self.sizes[key] = self.sizes.get(key, 0) + table.num_rows
        if self.sizes[key] >= (PARQUET_BATCH_ROWS if key[0] == "parquet" else self.max_lines):
            self.flush(key)

    def gather(self, stats: _FileStats, body: _Lines, fmt: LogFormat) -> None:
        """Keep the body of a small file (its lines after the header) to split
        with others of the same format: the fast path costs about a millisecond a call whatever
        its size (8,640 files of 100 lines: 11.4 s of a 16.4 s load), so the bodies are joined
        and split in one call per GATHER_BYTES; if the joined lines are not all plain, each body
        goes its own way as it would have (_load_body)."""
        self.bodies.setdefault(fmt, []).append((stats, body))
        self.body_bytes[fmt] = self.body_bytes.get(fmt, 0) + len(body.text) + 1
        if self.body_bytes[fmt] >= GATHER_BYTES:
            self.split_bodies(fmt)

    def split_bodies(self, fmt: LogFormat) -> None:
        bodies = self.bodies.pop(fmt, [])
        self.body_bytes.pop(fmt, None)
        pieces = [(stats.source_file, body.first, body.count) for stats, body in bodies]
        if not pieces:
            return
        fields = _fast_fields(b"\n".join(body.text for _, body in bodies), fmt, pieces)
        if fields is not None:
            self.add_fields(fields, fmt)
            return
        for stats, body in bodies:
            _load_body(stats, body, fmt, self)

    def flush_all(self) -> None:
        for fmt in list(self.bodies):
            self.split_bodies(fmt)
        for key in list(self.pending):
            self.flush(key)

    def flush(self, key: _BatchKey) -> None:
        """Hand one batch to the SQL thread."""
        tables = self.pending.pop(key, [])
        self.sizes.pop(key, None)
        if not tables:
            return
        kind, fmt = key[:2]
        batch = pa.concat_tables(tables, promote_options="permissive")
        task: Callable[[], None]
        if kind == "lines":
            task = partial(self.file_lines, batch, fmt)
        elif kind == "parquet":
            task = partial(self.file_fields, batch, fmt.params(), PARQUET_MALFORMED)
        else:
            params = fmt.params() | {"order": [_FIELD_INDEX[name] + 1 for name in fmt.names]}
            task = partial(self.file_fields, batch, params, FIELDS_MALFORMED)
        self.sql.submit(task, batch.num_rows)

    # The methods below run on the SQL thread (submitted as tasks).

    def checkpoint_if_due(self) -> None:
        """The records written since the last checkpoint compressed once they are CHECKPOINT_ROWS
        (db.checkpoint); run by the SQL thread after a batch, once the batch is freed
        (_SqlWorker.after_batch), so that the batch is not held while DuckDB compresses."""
        if self.unchecked >= CHECKPOINT_ROWS:
            db.checkpoint(self.con)
            self.unchecked = 0

    def file_lines(self, raw: pa.Table, fmt: LogFormat) -> None:
        """Split a batch of text lines into fields (split_lines.sql), then file them."""
        self.con.register("raw_lines", raw)
        try:
            params = fmt.params() | {"max_line": MAX_LINE_BYTES}
            sql.run(self.con, "ingest/split_lines", params).fetchall()
            self.file_rows(fmt.params(), "ingest/insert_malformed")
            sql.run(self.con, "ingest/drop_fields_raw").fetchall()
        finally:
            self.con.unregister("raw_lines")

    def file_fields(self, fields: pa.Table, params: dict[str, Any], malformed: str) -> None:
        """File a batch already split into fields (the fast path, or Parquet)."""
        self.con.register("fields_raw", fields)
        try:
            self.file_rows(params, malformed)
        finally:
            self.con.unregister("fields_raw")

    def file_rows(self, params: dict[str, Any], malformed: str) -> None:
        """Check and type the batch in fields_raw (the view converted), then file its rows into
        flows or malformed (with the statement `malformed`, which renders rejected rows as text
        and returns their files), and count them per file."""
        sql.run(self.con, "ingest/batch_addresses").fetchall()
        sql.run(self.con, "ingest/ip_numbers").fetchall()
        sql.run(self.con, "ingest/convert").fetchall()
        rows = dict(sql.fetchall(self.con, "ingest/batch_files"))
        _widen(self.con, "flow_store_loading", self.stored, params["columns"])
        [(inserted,)] = sql.run(self.con, "ingest/insert_flows", params).fetchall()
        self.unchecked += inserted
        rejected: Counter[str] = Counter()
        if inserted < sum(rows.values()):  # else every row was a record: nothing to quarantine
            rejected.update(f for (f,) in sql.run(self.con, malformed, params).fetchall())
        for source_file, n in rows.items():
            self.files[source_file].records += n - rejected[source_file]
            self.files[source_file].quarantined += rejected[source_file]


def _load_file(
    path: str,
    stats: _FileStats,
    fallback: LogFormat,
    batches: _Batches,
) -> None:
    remote: ChunkStream | io.BufferedReader | None = None
    try:
        if isinstance(path, RemoteFile):  # one request: the readers go on from its first byte
            remote = path.open()
            magic = remote.peek(4)[:4]
        else:
            if not stat.S_ISREG(os.stat(path).st_mode):  # before open(): a FIFO would block it
                raise OSError("not a regular file")
            with open(path, "rb") as fh:
                magic = fh.read(4)
    except OSError as exc:
        if remote is not None:
            remote.close()
        stats.file_type = "unreadable"
        stats.error = f"unreadable: {exc.strerror or exc}"
        return
    with contextlib.ExitStack() as opened:
        opener = None if remote is None else _reading(opened.enter_context(remote))
        if magic == b"PAR1":
            stats.file_type = "parquet"
            if remote is not None and not remote.seekable():
                spool = opened.enter_context(tempfile.SpooledTemporaryFile(_SPOOL_BYTES))
                opener = partial(_copied, remote, spool)  # Parquet needs to seek
            _load_parquet(path, stats, batches, opener)
        else:
            stats.file_type = "gzip" if magic[:2] == b"\x1f\x8b" else "text"
            if isinstance(path, RemoteFile) and path.log_format is not None:
                fallback = path.log_format  # the format its source declares (DescribeFlowLogs)
            _load_text(stats, fallback, batches, opener)


Opener = Callable[[], IO[bytes]]
"""Gives a file's content as a binary stream (a remote object's: requested once, read once)."""


def _reading(stream: Any) -> Opener:
    """An opener of a stream already open: a remote object's, requested once."""
    return lambda: stream


def _copied(stream: Any, spool: IO[bytes]) -> IO[bytes]:
    """The stream copied into the (temporary) spool, which is returned at its start."""
    while data := stream.read(_READ_BYTES):
        spool.write(data)
    spool.seek(0)
    return spool


_SPOOL_BYTES = 64 * 1024 * 1024


# --- text and gzip ---------------------------------------------------------------------------


def _load_text(
    stats: _FileStats, fallback: LogFormat, batches: _Batches, opener: Opener | None = None
) -> None:
    fmt = fallback
    try:
        with opener() if opener else open(stats.source_file, "rb") as fh:
            chunks = _gunzip(fh) if stats.file_type == "gzip" else _raw(fh)
            held: _Lines | None = None  # a block waits to know whether it is last
            try:
                for block in _line_blocks(chunks, batches, stats):
                    if held is not None:
                        fmt = _load_bytes(stats, held, fmt, batches)
                    held = block
            except _READ_ERRORS:
                if held is not None:  # the lines before the damage
                    _load_bytes(stats, held, fmt, batches)
                raise
            if held is not None:
                fmt = _load_bytes(stats, held, fmt, batches, whole_file=held.first == 1)
    except _READ_ERRORS as exc:
        what = "corrupt gzip data" if stats.file_type == "gzip" else "read error"
        detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        stats.error = f"unreadable: {what} after line {stats.lines_read} ({detail})"
    if stats.used_fallback:
        stats.formats.insert(0, f"(no header) {fallback.text}")


_READ_BYTES = 1024 * 1024


def _raw(fh: IO[bytes]) -> Iterator[bytes]:
    while data := fh.read(_READ_BYTES):
        yield data


def _gunzip(fh: IO[bytes]) -> Iterator[bytes]:
    """Decompress gzip (several members one after another included, zero padding between or
    after them) as it is read, so that a truncated or corrupt file still yields every byte
    before the damage. At most _READ_BYTES come out at a time: a megabyte of gzip can hold a
    gigabyte of text (a decompression bomb) and must not be inflated at once."""
    inflate = _inflate.decompressobj(wbits=31)
    between = False  # a member has ended: another member, or zero padding, may follow
    while data := fh.read(_READ_BYTES):
        while data:
            if between:
                data = data.lstrip(b"\x00")
                if not data:
                    break
                inflate, between = _inflate.decompressobj(wbits=31), False
            yield inflate.decompress(data, _READ_BYTES)
            if inflate.eof:
                data, between = inflate.unused_data, True
            else:
                data = inflate.unconsumed_tail  # empty: all of it is in, read on
    if not between:
        yield inflate.flush()
        if not inflate.eof:
            raise EOFError("the file ends before the end of the compressed stream")


def _line_blocks(chunks: Iterable[bytes], batches: _Batches, stats: _FileStats) -> Iterator[_Lines]:
    """Yield the lines in blocks of about BLOCK_BYTES, cut after a '\\n' (the last one left off),
    counting the lines.

    Lines are cut at '\\n' only (a trailing '\\r' is removed in SQL); bytes that are not UTF-8
    are replaced by U+FFFD when the block is split (_split), which marks the line for quarantine;
    a UTF-8 byte-order mark at the start of the file is dropped. A line longer than BLOCK_BYTES
    is quarantined here without being held in memory whole.
    """
    parts: list[bytes] = []
    size = 0
    overlong = False  # inside a line that is longer than BLOCK_BYTES
    at_start = True
    start = b""  # the first bytes, while they may still be the start of a byte-order mark
    broken: BaseException | None = None
    for data in _until_error(chunks):
        if isinstance(data, BaseException):
            broken = data  # yield what was read before the damage, then report it
            break
        if at_start:  # the mark may come in pieces (a gzip member may end inside it)
            data = start + data
            if len(data) < len(codecs.BOM_UTF8) and codecs.BOM_UTF8.startswith(data):
                start = data
                continue
            data = data.removeprefix(codecs.BOM_UTF8)
            at_start = False
        if overlong:
            cut = data.find(b"\n")
            if cut < 0:
                continue
            overlong = False
            data = data[cut + 1 :]
        parts.append(data)
        size += len(data)
        if size < BLOCK_BYTES:
            continue
        last = len(parts) - 1  # the last part with a '\n': the block ends before it
        while last >= 0 and (cut := parts[last].rfind(b"\n")) < 0:
            last -= 1
        if last < 0:
            stats.lines_read += 1
            reason = f"line too long: over {BLOCK_BYTES} bytes, the limit is {MAX_LINE_BYTES}"
            _line_problem(batches, stats, stats.lines_read, reason, b"".join(parts)[:1024])
            parts, size, overlong = [], 0, True
            continue
        block = b"".join([*parts[:last], parts[last][:cut]])  # one copy of the block, not two
        rest = b"".join([parts[last][cut + 1 :], *parts[last + 1 :]])
        parts, size = [rest], len(rest)
        yield _numbered(stats, block)
    buf = b"".join([start] if at_start else parts)  # a file of one or two bytes of a mark
    if buf and not overlong:
        yield _numbered(stats, buf.removesuffix(b"\n"))
    if broken is not None:
        raise broken


def _until_error(chunks: Iterable[bytes]) -> Iterator[bytes | Exception]:
    """The chunks, then the read error that ended them (instead of raising it)."""
    try:
        yield from chunks
    except _READ_ERRORS as exc:
        yield exc


@dataclass(frozen=True, slots=True)
class _Lines:
    """Lines of one file, one after another without the last '\\n': `count` of them (counted once,
    when read: counting a block's newlines costs as much as inflating it), the first of which is
    the file's line `first`."""

    first: int
    count: int
    text: bytes

    def after_first(self) -> _Lines:
        """The lines after the first (which must not be the only one)."""
        cut = self.text.find(b"\n")
        return _Lines(self.first + 1, self.count - 1, self.text[cut + 1 :])


def _numbered(stats: _FileStats, block: bytes) -> _Lines:
    lines = _Lines(stats.lines_read + 1, block.count(b"\n") + 1, block)
    stats.lines_read += lines.count
    return lines


def _load_bytes(
    stats: _FileStats,
    lines: _Lines,
    fmt: LogFormat,
    batches: _Batches,
    whole_file: bool = False,
) -> LogFormat:
    """Queue one block of lines: a header on its first line (where every file has one) is taken
    first; the rest goes through the fast path when it can, else line by line (_load_block).
    The body of a small file read in this one block (`whole_file`) after a header is gathered
    with others of the same format instead (_Batches.gather)."""
    cut = lines.text.find(b"\n")
    head = lines.text if cut < 0 else lines.text[:cut]
    text = head.decode("utf-8", "replace") if len(head) < 4096 else ""
    if text and (found := header_format(text)):
        fmt = _take_header(batches, stats, lines.first, text, found, fmt)
        if cut < 0:
            return fmt
        lines = lines.after_first()
    if whole_file and stats.formats and len(lines.text) < SMALL_FILE_BYTES:  # header taken above
        batches.gather(stats, lines, fmt)  # the whole body of a small file
        return fmt
    return _load_body(stats, lines, fmt, batches)


def _load_body(stats: _FileStats, lines: _Lines, fmt: LogFormat, batches: _Batches) -> LogFormat:
    """Queue lines with no header on the first: by the fast path when it can, else line by line.
    (stats.lines_read may be ahead of these lines, see _load_text.)"""
    fields = _fast_fields(lines.text, fmt, [(stats.source_file, lines.first, lines.count)])
    if fields is None:
        return _load_block(stats, lines.first, _split(lines.text), fmt, batches)
    if not stats.formats:
        stats.used_fallback = True
    batches.add_fields(fields, fmt)
    return fmt


_FIELD_NAME = r"^[a-z][a-z0-9-]*$"
_FIELD_INDEX = {f.name: i for i, f in enumerate(FIELDS)}
_LETTERS = pa.array([chr(c) for c in range(ord("a"), ord("z") + 1)])


def _fast_fields(block: bytes, fmt: LogFormat, pieces: Sequence[_Piece]) -> pa.Table | None:
    """The block's lines split into fields by Arrow's CSV reader (multi-threaded C++), in the
    shape of fields_raw, or None when the block is not plain and must go line by line. The block
    is the lines of `pieces` (file, first line number, lines) one after another: one file's, or
    the bodies of several small files (_Batches.gather).

    Plain: every line has exactly the format's fields, separated by single spaces, in valid UTF-8;
    no line is empty, a header, JSON, longer than MAX_LINE_BYTES, or holds a NUL or carriage
    return. For such lines the reader's split is the one split_lines.sql makes ('-' is NULL),
    and the line itself is the fields joined by spaces, so the checks in convert.sql and the
    quarantine see exactly what the slower path would give them.
    """
    if len(fmt.names) < 2 or fmt.unknown or fmt.is_transit_gateway:
        return None
    if any(c in block for c in (b"\x00", b"\r", b"{")):
        return None
    names = [f"c{i}" for i in range(len(fmt.names))]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(block),  # type: ignore[arg-type]
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(
                delimiter=" ", quote_char=False, escape_char=False, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                null_values=["-"],
                strings_can_be_null=True,
                check_utf8=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != sum(n for _, _, n in pieces):
        return None
    columns: list[Any] = table.columns  # chunked as read: no copy
    lengths: list[Any] = [pc.binary_length(c) for c in columns]
    if any(pc.min(n).as_py() == 0 for n in lengths):
        return None  # an empty field: two spaces in a row, or a space at either end
    # The longest line is at most the spaces plus every field's longest value ('-' where NULL).
    if len(columns) - 1 + sum(pc.max(n).as_py() or 1 for n in lengths) > MAX_LINE_BYTES:
        return None  # may hold a line over the limit: the slow path measures every line
    if _has_header(columns):
        return None
    position = {name: i for i, name in enumerate(fmt.names)}
    n = table.num_rows
    # Every column that is NULL throughout is the same array: a NULL string column still holds
    # n + 1 offsets (4 MB a million lines), and the default format lacks 26 fields: one array each
    # held 0.1 GB more per batch of a million lines (measured with up to four batches in flight).
    none = pa.nulls(n, pa.string())
    count = pa.array(np.full(n, len(fmt.names), dtype=np.int64))
    out: dict[str, Any] = {
        "source_file": _files_of(pieces),
        "line_number": pa.array(
            np.concatenate([np.arange(first, first + k, dtype=np.int64) for _, first, k in pieces])
        ),
        "raw": none,  # rebuilt for rejected rows only (see file_rows)
        "pre_reason": none,
        "n_tokens": count,
        "n_fields": count,
        "tgw": pa.array(np.zeros(n, dtype=bool)),
        "ints_plain": _ints_plain(
            [columns[position[f.name]] for f in _INT_FIELDS if f.name in position], n
        ),
    }
    for f in FIELDS:
        i = position.get(f.name)
        out[f.column] = none if i is None else columns[i]
    return pa.table(out)


_INT_FIELDS = tuple(f for f in FIELDS if f.kind in ("int", "bigint"))


def _ints_plain(columns: list[Any], n: int) -> Any:
    """Per row: every one of these integer fields is NULL, ASCII digits only (a text column) or
    at least 0 (an integer column, from Parquet): written as its decimal digits, it would be
    digits only. convert.sql then checks the range alone, instead of comparing the value with
    its text and trying a regular expression per field."""
    plain: Any = pa.array(np.ones(n, dtype=bool))
    for column in columns:
        if pa.types.is_integer(column.type):
            digits = pc.greater_equal(column, pa.scalar(0, pa.int64()))
        else:
            digits = pc.ascii_is_decimal(column)
        plain = pc.and_(plain, pc.fill_null(digits, True))
    return plain


def _has_header(columns: list[Any]) -> bool:
    """Whether some row is a header line: every field a field-name-like word, one of them a
    known field (header_format). Narrowed column by column on the first character (a cheap test
    that records fail at their first number or address), then checked in full on what is left."""
    rows: Any = None
    for column in columns:
        values = column if rows is None else pc.take(column, rows)
        keep: Any = pc.fill_null(
            pc.is_in(pc.utf8_slice_codeunits(values, 0, 1), value_set=_LETTERS), False
        )
        rows = pc.indices_nonzero(keep) if rows is None else pc.filter(rows, keep)
        if len(rows) == 0:
            return False
    for column in columns:
        keep = pc.fill_null(pc.match_substring_regex(pc.take(column, rows), _FIELD_NAME), False)
        rows = pc.filter(rows, keep)
        if len(rows) == 0:
            return False
    for i in rows.to_pylist():  # the few rows made of name-like words only
        if header_format(" ".join(str(c[i].as_py()) for c in columns)) is not None:
            return True
    return False


def _split(block: bytes) -> pa.Array[Any]:
    text = block.decode("utf-8", "replace")
    return pc.split_pattern(pa.array([text], pa.large_string()), "\n").flatten()


def _load_block(
    stats: _FileStats,
    first: int,
    lines: pa.Array[Any],
    fmt: LogFormat,
    batches: _Batches,
) -> LogFormat:
    """Queue one block of lines, switching format at each header line (S3 files start with one;
    concatenated files have more). Returns the format in force at the end of the block."""
    candidates = pc.indices_nonzero(pc.match_substring_regex(lines, _HEADER_CANDIDATE))
    start = 0
    for index in (int(i) for i in candidates.to_numpy()):
        text = lines[index].as_py()
        found = header_format(text)
        if found is None:
            continue
        if index > start:
            _queue(stats, lines.slice(start, index - start), first + start, fmt, batches)
        start = index + 1
        fmt = _take_header(batches, stats, first + index, text, found, fmt)
    if start < len(lines):
        _queue(stats, lines.slice(start), first + start, fmt, batches)
    return fmt


def _queue(
    stats: _FileStats, lines: pa.Array[Any], first: int, fmt: LogFormat, batches: _Batches
) -> None:
    if not stats.formats:
        stats.used_fallback = True
    batches.add(stats.source_file, lines, first, fmt)


def _take_header(
    batches: _Batches,
    stats: _FileStats,
    line_number: int,
    text: str,
    found: LogFormat,
    current: LogFormat,
) -> LogFormat:
    """Account for a header line and return the format in force after it."""
    if found.duplicates:
        reason = f"field given twice in a header: {', '.join(found.duplicates)} (header ignored)"
        _line_problem(batches, stats, line_number, reason, text)
        return current
    stats.formats.append(found.text)
    if found.unknown:
        reason = f"unknown field in a header: {', '.join(found.unknown)} (its values are ignored)"
        _line_problem(batches, stats, line_number, reason, text)
    else:
        stats.headers += 1
    return found


def _line_problem(
    batches: _Batches,
    stats: _FileStats,
    line_number: int,
    reason: str,
    raw: str | bytes,
) -> None:
    stats.malformed += 1
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    params = {
        "source_file": stats.source_file,
        "line_number": line_number,
        "reason": reason,
        "raw": text,
    }
    batches.sql.run("ingest/insert_line_problem", params)


# --- Parquet ---------------------------------------------------------------------------------

_INT_KINDS = ("int", "bigint")


def _load_parquet(
    path: str, stats: _FileStats, batches: _Batches, opener: Opener | None = None
) -> None:
    """Read an S3 Parquet flow log (columns named like the fields with '-' -> '_')."""
    try:
        pfile = pq.ParquetFile(opener() if opener else path)
        schema = pfile.schema_arrow
    except (OSError, pa.ArrowException) as exc:
        stats.file_type = "unreadable"
        stats.error = f"unreadable: not a readable Parquet file ({exc})"
        return
    twice = sorted(name for name, n in Counter(schema.names).items() if n > 1)
    if twice:
        stats.file_type = "unreadable"
        stats.error = "unreadable: Parquet columns given twice: " + ", ".join(twice)
        return
    known = {f.column: f for f in FIELDS}
    tgw = {n.replace("-", "_") for n in TRANSIT_GATEWAY_FIELDS}
    present = [name for name in schema.names if name in known or name in tgw]
    unknown = [name for name in schema.names if name not in known and name not in tgw]
    bad_types = [
        f"{name} ({schema.field(name).type})"
        for name in present
        if not _plain_type(schema.field(name).type)
    ]
    if bad_types:
        stats.file_type = "unreadable"
        stats.error = "unreadable: Parquet columns of an unusable type: " + ", ".join(bad_types)
        return
    if unknown:
        batches.sql.run(
            "ingest/insert_unreadable",
            {
                "source_file": path,
                "reason": "unknown column in a Parquet file: "
                + ", ".join(unknown)
                + " (its values are ignored)",
            },
        )
    fmt = LogFormat(tuple(n.replace("_", "-") for n in present))
    stats.formats.append("(parquet) " + fmt.text)
    try:
        for batch in pfile.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=present):
            table = _parquet_fields(path, batch, stats.lines_read + 1, fmt.is_transit_gateway)
            stats.lines_read += batch.num_rows
            batches.add_parquet(table, fmt)
    except (OSError, pa.ArrowException) as exc:
        stats.error = f"unreadable: Parquet data after row {stats.lines_read} ({exc})"


def _plain_type(t: pa.DataType) -> bool:
    return bool(
        pa.types.is_integer(t)
        or pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_floating(t)
        or pa.types.is_boolean(t)
        or pa.types.is_null(t)
        or pa.types.is_dictionary(t)
    )


def _parquet_fields(path: str, batch: pa.RecordBatch, first: int, tgw: bool) -> pa.Table:
    """The shape of fields_raw for one Parquet batch: every known field, strings with '-' and ''
    as NULL, integer columns kept as integers (the checks in convert.sql accept both)."""
    n = batch.num_rows
    none = pa.nulls(n, pa.string())  # one array for every NULL column, as in _fast_fields
    no_count = pa.nulls(n, pa.int64())
    columns: dict[str, Any] = {
        "source_file": _constant(path, n),
        "line_number": pa.array(np.arange(first, first + n, dtype=np.int64)),
        "raw": none,
        "pre_reason": none,
        "n_tokens": no_count,
        "n_fields": no_count,
        "tgw": pa.array(np.full(n, tgw, dtype=bool)),
        "ints_plain": None,  # below, from the typed columns
    }
    names = set(batch.schema.names)
    for f in FIELDS:
        if f.column not in names:
            columns[f.column] = none
            continue
        col: Any = batch.column(f.column)
        if pa.types.is_dictionary(col.type):
            col = col.dictionary_decode()
        if pa.types.is_integer(col.type) and f.kind in _INT_KINDS and col.type != pa.uint64():
            columns[f.column] = pc.cast(col, pa.int64())
            continue
        # Anything else as text, checked like text: uint64 too, whose values above BIGINT's
        # maximum are out of range for that row alone (a cast would fail the whole file).
        text = pc.cast(col, pa.string())
        dash = pc.fill_null(pc.is_in(text, value_set=pa.array(["-", ""])), False)
        columns[f.column] = pc.if_else(dash, pa.scalar(None, pa.string()), text)
    columns["ints_plain"] = _ints_plain(
        [columns[f.column] for f in _INT_FIELDS if f.column in names], n
    )
    return pa.table(columns)
