"""Spark reads the flow logs itself: the Spark temp views ``flow_records`` and ``source_files``
(the columns and types of DuckDB's tables of those names) and ``malformed`` (the quarantine:
``source_file``, ``line_number``, ``reason``, ``raw``), with the same rules as
:mod:`flowsg.ingest`.

How: the driver lists the files (local paths with :func:`flowsg.ingest.walk`, so the same files
under the same names; ``s3a://`` and other Hadoop URIs with Hadoop's file system) and tells their
kind (local files by their first bytes; URIs by name: ``.parquet``, ``.gz``, else text). Text and
gzip files are read whole by one ``spark.read.text(wholetext=True)`` (Hadoop decompresses by the
name ``.gz``) and cut into numbered lines in SQL; the few distinct lines that look like header
lines are read by the driver with :func:`flowsg.logformat.header_format`, and each line is split
in the format its file's last header before it declares (``queries/spark/``). Parquet files are
read with one ``spark.read.parquet`` per set of columns (each file's schema read from its footer by
the driver, through Hadoop for a URI), their row index being the line number. Then the
same checks and typing as the DuckDB engine run: ``queries/ingest/batch_addresses.sql``,
``ip_numbers.sql``, ``convert.sql`` and the quarantine's ``insert_malformed*.sql``, transpiled to
Spark SQL (:mod:`flowsg.spark.statements`). No Python runs per record.

Differences from the DuckDB engine (README, "Running on Spark"): a gzip file must be named
``.gz`` (Hadoop chooses the codec by name; a local gzip file named otherwise is reported
unreadable), a file that cannot be decompressed is unreadable as a whole (DuckDB keeps the lines
before the damage), and a text file is held whole in an executor's memory (AWS writes a file
every 5 or 10 minutes: megabytes).
"""

from __future__ import annotations

import os
import stat
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError, UsageError
from ..fields import FIELDS, TRANSIT_GATEWAY_FIELDS
from ..files import printable
from ..ingest import FILE_ROWS, MAX_LINE_BYTES, SKIPPED_SUFFIXES, WalkResult, _plain_type, walk
from ..logformat import DEFAULT, LogFormat, header_format, parse_log_format
from ..sources import SourceOptions, select
from . import statements
from .session import configure

_GLOB = str.maketrans({c: "\\" + c for c in "\\[]{}*?"})

TEXT_KINDS = ("text", "gzip")


@dataclass
class SparkFile:
    """One file of a Spark load: its number and name (``source_file``, as the DuckDB engine names
    it), where Spark reads it (``read_path``) and how Spark names it (``spark_path``, the form of
    ``_metadata.file_path``)."""

    file_id: int
    source_file: str
    read_path: str
    spark_path: str
    file_type: str
    size: int
    local: str | None = None
    error: str | None = None
    lines_read: int = 0
    headers: int = 0
    records: int = 0
    malformed: int = 0
    formats: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SparkLoad:
    """What :func:`load` did; the records are in the Spark views it made."""

    files: list[SparkFile]
    unreadable: list[tuple[str, str]]
    skipped: int
    file_notes: list[tuple[str, str]]
    """File-level rows of malformed for files that were read (unknown Parquet columns)."""

    @property
    def files_read(self) -> int:
        return sum(f.error is None or f.lines_read > 0 for f in self.files)

    @property
    def lines_read(self) -> int:
        return sum(f.lines_read for f in self.files)

    def file_rows(self) -> list[dict[str, Any]]:
        """The rows of the table ``files`` (``flowsg.ingest.FILE_ROWS``): every file the
        load read or could not read."""
        rows: list[dict[str, Any]] = [
            dict(zip(FILE_COLUMNS, (path, "unreadable", 0, 0, 0, 0, None, reason), strict=True))
            for path, reason in self.unreadable
        ]
        rows += [
            {
                "source_file": f.source_file,
                "file_type": f.file_type,
                "lines_read": f.lines_read,
                "headers": f.headers,
                "records": f.records,
                "malformed": f.malformed,
                "formats": " | ".join(dict.fromkeys(f.formats)) or None,
                "error": f.error,
            }
            for f in self.files
        ]
        return rows


FILE_COLUMNS = tuple(FILE_ROWS.names)
"""The columns of the table ``files`` (``queries/ingest/create_files.sql``)."""


def is_uri(path: str) -> bool:
    """A Hadoop URI (``s3a://``, ``s3://`` on EMR, ``hdfs://``, ``file://``...) rather than a
    local path; ``cwl://`` is CloudWatch Logs, which only the DuckDB engine reads."""
    return "://" in path


def load(
    spark: Any,
    paths: Sequence[str | os.PathLike[str]],
    *,
    log_format: str | LogFormat | None = None,
    since: int | None = None,
    until: int | None = None,
) -> SparkLoad:
    """Read flow logs with Spark into the temp views ``flow_records``, ``source_files`` and
    ``malformed`` (and ``spark_files``, the files with their Spark names).

    ``log_format``: the format of files without a header line (default: version 2's).
    ``since``/``until`` (unix seconds) choose files by the date in their path, as
    :func:`flowsg.ingest.walk` does (local files and URIs alike).
    Raises InputError when a path does not exist or no file is found, UsageError for ``cwl://``.
    """
    if isinstance(log_format, str):
        fallback = parse_log_format(log_format)
    else:
        fallback = log_format or DEFAULT
    configure(spark)
    given = [os.fspath(p) for p in paths]
    files, unreadable, skipped = _list(spark, given, since, until)
    if not files and not unreadable:
        raise InputError(
            "no flow-log files found under " + ", ".join(given),
            "directories are walked recursively; files ending in "
            + ", ".join(SKIPPED_SUFFIXES)
            + " are skipped unless named",
        )
    _files_view(spark, files)
    text = [f for f in files if f.file_type in TEXT_KINDS and f.error is None]
    parquet = [f for f in files if f.file_type == "parquet" and f.error is None]
    notes: list[tuple[str, str]] = []
    formats = _read_text(spark, text, fallback)
    _read_parquet(spark, parquet, notes)
    statements.run(spark, "spark/fields_raw")
    statements.materialize(spark, "fields_raw")
    statements.shared(spark, "ingest/batch_addresses")
    statements.shared(spark, "ingest/ip_numbers")
    statements.shared(spark, "ingest/convert")
    statements.materialize(spark, "converted")
    statements.run(spark, "spark/flow_records")
    _count(spark, files)
    _text_formats(spark, text, formats, fallback)
    _malformed_view(spark, files, unreadable, notes)
    return SparkLoad(files, unreadable, skipped, notes)


# --- listing ---------------------------------------------------------------------------------


def _list(
    spark: Any, given: list[str], since: int | None, until: int | None
) -> tuple[list[SparkFile], list[tuple[str, str]], int]:
    """The files to read, numbered from 1 in the order the DuckDB engine reads them."""
    local = [p for p in given if not is_uri(p)]
    remote = [p for p in given if is_uri(p)]
    for uri in remote:
        if uri.startswith("cwl://"):
            raise UsageError(
                f"--engine spark does not read CloudWatch Logs: {uri}",
                "read cwl:// sources with --engine duckdb, or export the log group to S3",
            )
    options = SourceOptions(since=since, until=until)
    walked = walk(local, sources=options) if local else WalkResult([], [], [], [])
    files: list[SparkFile] = []
    unreadable = list(walked.unreadable)
    skipped = len(walked.skipped)
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    for path in walked.files:
        absolute = os.path.abspath(path)
        try:
            info = os.stat(absolute)
            if not stat.S_ISREG(info.st_mode):
                raise OSError("not a regular file")
            with open(absolute, "rb") as fh:
                magic = fh.read(4)
        except OSError as exc:
            unreadable.append((printable(path), f"unreadable: {exc.strerror or exc}"))
            continue
        hpath = jvm.org.apache.hadoop.fs.Path("file:" + absolute)
        status = hpath.getFileSystem(conf).getFileStatus(hpath)
        kind = "parquet" if magic == b"PAR1" else "gzip" if magic[:2] == b"\x1f\x8b" else "text"
        error = None
        if kind == "gzip" and not absolute.endswith(".gz"):
            error = (
                "unreadable: gzip data in a file whose name does not end in .gz (Spark's reader"
                " decompresses by name; rename it, or read it with --engine duckdb)"
            )
        elif kind == "text" and absolute.endswith(".gz"):
            error = (
                "unreadable: a file named .gz that does not hold gzip data (Spark's reader"
                " decompresses by name; rename it, or read it with --engine duckdb)"
            )
        files.append(_file(len(files) + 1, path, status, kind, info.st_size, error, absolute))
    for uri in remote:
        found, hidden = _list_uri(jvm, conf, uri)
        named = {str(status.getPath().toString()): status for status in found}
        inside, outside = select(named, since, until) if len(found) > 1 else (list(named), [])
        skipped += hidden + len(outside)
        for status in (named[name] for name in inside):
            name = str(status.getPath().toString())
            kind = (
                "parquet"
                if name.endswith(".parquet")
                else "gzip"
                if name.endswith(".gz")
                else "text"
            )
            files.append(_file(len(files) + 1, name, status, kind, int(status.getLen())))
    return files, unreadable, skipped


def _file(
    file_id: int,
    name: str,
    status: Any,
    kind: str,
    size: int,
    error: str | None = None,
    local: str | None = None,
) -> SparkFile:
    path = status.getPath()
    return SparkFile(
        file_id=file_id,
        source_file=name,
        read_path=str(path.toString()).translate(_GLOB),
        spark_path=_spark_name(str(path.toUri().toString())),
        file_type=kind,
        size=size,
        local=local,
        error=error,
    )


def _spark_name(uri: str) -> str:
    """A file's URI as Spark's ``_metadata.file_path`` writes it (``file:/x``, not ``file:///x``)."""
    return "file:/" + uri[len("file:///") :] if uri.startswith("file:///") else uri


def _list_uri(jvm: Any, conf: Any, uri: str) -> tuple[list[Any], int]:
    """The files under a Hadoop URI, recursively, in name order; hidden names and the suffixes of
    SKIPPED_SUFFIXES are left out (counted), as in a local directory."""
    path = jvm.org.apache.hadoop.fs.Path(uri)
    fs = path.getFileSystem(conf)
    if not fs.exists(path):
        raise InputError(f"no such file or directory: {uri}", "check the path")
    if fs.getFileStatus(path).isFile():
        return [fs.getFileStatus(path)], 0
    found: list[Any] = []
    hidden = 0
    listing = fs.listFiles(path, True)
    while listing.hasNext():
        status = listing.next()
        name = str(status.getPath().getName())
        parts = str(status.getPath().toUri().getPath()).split("/")
        if any(p.startswith((".", "_")) for p in parts if p) or name.endswith(SKIPPED_SUFFIXES):
            hidden += 1
            continue
        found.append(status)
    found.sort(key=lambda s: str(s.getPath().toString()))
    return found, hidden


def _files_view(spark: Any, files: list[SparkFile]) -> None:
    """The views spark_files (file_id, source_file, spark_path) and source_files (file_id,
    source_file: DuckDB's table of that name)."""
    table = pa.table(
        {
            "file_id": pa.array([f.file_id for f in files], pa.int32()),
            "source_file": pa.array([f.source_file for f in files], pa.string()),
            "spark_path": pa.array([f.spark_path for f in files], pa.string()),
        }
    )
    frame = spark.createDataFrame(table)
    statements.small_view(spark, frame, "spark_files")
    frame.select("file_id", "source_file").createOrReplaceTempView("source_files")


# --- text and gzip ---------------------------------------------------------------------------


def _read_text(spark: Any, files: list[SparkFile], fallback: LogFormat) -> dict[int, LogFormat]:
    """The view text_fields: every record line of the text and gzip files, split into fields."""
    if files:
        read = spark.read.text([f.read_path for f in files], wholetext=True)
        read = read.selectExpr("_metadata.file_path AS path", "value")
    else:
        read = spark.createDataFrame([], "path STRING, value STRING")
    read.createOrReplaceTempView("text_read")
    statements.run(spark, "spark/text_lines")
    statements.materialize(spark, "text_lines")
    candidates = [row[0] for row in statements.run(spark, "spark/header_candidates").collect()]
    formats: dict[LogFormat, int] = {fallback: 0}
    texts: list[tuple[str, int | None, str | None]] = []
    for line in candidates:
        found = header_format(line)
        if found is None:
            continue
        problem: str | None = None
        if found.duplicates:
            problem = (
                f"field given twice in a header: {', '.join(found.duplicates)} (header ignored)"
            )
            texts.append((line, None, problem))
            continue
        format_id = formats.setdefault(found, len(formats))
        if found.unknown:
            problem = (
                f"unknown field in a header: {', '.join(found.unknown)} (its values are ignored)"
            )
        texts.append((line, format_id, problem))
    header_texts = spark.createDataFrame(texts, "line STRING, format_id INT, problem STRING")
    statements.small_view(spark, header_texts, "header_texts")
    statements.small_view(spark, spark.createDataFrame(_formats_table(formats)), "spark_formats")
    statements.run(spark, "spark/header_lines")
    statements.materialize(spark, "header_lines", small=True)
    statements.run(spark, "spark/format_spans")
    statements.run(spark, "spark/text_fields", {"max_line": MAX_LINE_BYTES})
    return {format_id: fmt for fmt, format_id in formats.items()}


def _formats_table(formats: dict[LogFormat, int]) -> pa.Table:
    """One row per format in force somewhere: its number, its field count, whether it is a
    Transit Gateway format and each known field's position (LogFormat.params, as DuckDB binds)."""
    rows = [fmt.params() | {"format_id": format_id} for fmt, format_id in formats.items()]
    columns: dict[str, Any] = {
        "format_id": pa.array([r["format_id"] for r in rows], pa.int32()),
        "n_fields": pa.array([r["n_fields"] for r in rows], pa.int32()),
        "tgw": pa.array([r["tgw"] for r in rows], pa.bool_()),
    }
    for f in FIELDS:
        columns[f"i_{f.column}"] = pa.array([r[f"i_{f.column}"] for r in rows], pa.int32())
    return pa.table(columns)


# --- Parquet ---------------------------------------------------------------------------------


def _read_parquet(spark: Any, files: list[SparkFile], notes: list[tuple[str, str]]) -> None:
    """The view parquet_fields: the rows of the Parquet files, one read per set of columns."""
    known = {f.column for f in FIELDS}
    tgw = {n.replace("-", "_") for n in TRANSIT_GATEWAY_FIELDS}
    groups: dict[tuple[tuple[str, ...], bool], list[SparkFile]] = {}
    for f, schema in zip(files, _schemas(spark, files), strict=True):
        names = _parquet_columns(f, schema, known, tgw, notes)
        if names is None:
            continue
        present = tuple(n for n in names if n in known)
        is_tgw = any(n in tgw for n in names)
        f.formats.append("(parquet) " + " ".join(n.replace("_", "-") for n in names))
        groups.setdefault((present, is_tgw), []).append(f)
    template = ", ".join(
        ["path STRING", "row_index BIGINT", "tgw BOOLEAN"]
        + [f"`{f.column}` STRING" for f in FIELDS]
    )
    frame = spark.createDataFrame([], template)
    for (present, is_tgw), group in groups.items():
        read = spark.read.parquet(*[f.read_path for f in group])
        columns = [
            "_metadata.file_path AS path",
            "_metadata.row_index AS row_index",
            "true AS tgw" if is_tgw else "false AS tgw",
        ] + [f"CAST(`{name}` AS STRING) AS `{name}`" for name in present]
        frame = frame.unionByName(read.selectExpr(*columns), allowMissingColumns=True)
    frame.createOrReplaceTempView("parquet_read")
    statements.run(spark, "spark/parquet_fields")


SCHEMA_THREADS = 16
"""Remote Parquet footers read at once (each is two small ranged reads: latency, not work)."""


def _schemas(spark: Any, files: list[SparkFile]) -> list[pa.Schema | str]:
    """Each Parquet file's schema, or why it cannot be read: a local file's by pyarrow, a remote
    one's from its footer, fetched through Hadoop's file system (:func:`_remote_schema`)."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()

    def schema(f: SparkFile) -> pa.Schema | str:
        try:
            if f.local is not None:
                return pq.read_schema(f.local)
            return _remote_schema(jvm, conf, f.source_file, f.size)
        except (OSError, pa.ArrowException) as exc:
            return str(exc)
        except Exception as exc:  # py4j's: the file system could not read it
            if not type(exc).__module__.startswith(("py4j", "pyspark")):
                raise
            return " ".join(str(exc).split())[:200]

    remote = sum(f.local is None for f in files)
    if remote < 2:
        return [schema(f) for f in files]
    with ThreadPoolExecutor(max_workers=min(SCHEMA_THREADS, remote)) as pool:
        return list(pool.map(schema, files))


def _remote_schema(jvm: Any, conf: Any, uri: str, size: int) -> pa.Schema:
    """The schema in the footer of the Parquet file ``uri``: its last 8 bytes (the footer's
    length and ``PAR1``), then the footer, read through Hadoop; the data pages are not read."""
    path = jvm.org.apache.hadoop.fs.Path(uri)
    if size < 12:
        raise OSError("too short to be a Parquet file")
    stream = path.getFileSystem(conf).open(path)
    try:
        stream.seek(size - 8)
        tail = bytes(stream.readNBytes(8))
        if len(tail) != 8 or tail[4:] != b"PAR1":
            raise OSError("no Parquet footer (the file does not end in PAR1)")
        length = int.from_bytes(tail[:4], "little")
        if length > size - 12:
            raise OSError("the Parquet footer is longer than the file")
        stream.seek(size - 8 - length)
        footer = bytes(stream.readNBytes(length + 8))
    finally:
        stream.close()
    schema: pa.Schema = pq.read_schema(pa.BufferReader(b"PAR1" + footer))
    return schema


def _parquet_columns(
    f: SparkFile,
    schema: pa.Schema | str,
    known: set[str],
    tgw: set[str],
    notes: list[tuple[str, str]],
) -> list[str] | None:
    """The file's known and Transit Gateway columns, by the rules of flowsg.ingest's
    _load_parquet; None (and the file's error set) when it cannot be read."""
    if isinstance(schema, str):
        f.file_type, f.error = "unreadable", f"unreadable: not a readable Parquet file ({schema})"
        return None
    names = list(schema.names)
    twice = sorted(name for name, n in Counter(names).items() if n > 1)
    if twice:
        f.file_type = "unreadable"
        f.error = "unreadable: Parquet columns given twice: " + ", ".join(twice)
        return None
    present = [n for n in names if n in known or n in tgw]
    bad = [
        f"{n} ({schema.field(n).type})" for n in present if not _plain_type(schema.field(n).type)
    ]
    if bad:
        f.file_type = "unreadable"
        f.error = "unreadable: Parquet columns of an unusable type: " + ", ".join(bad)
        return None
    unknown = [n for n in names if n not in known and n not in tgw]
    if unknown:
        listed = ", ".join(unknown)
        notes.append(
            (f.source_file, f"unknown column in a Parquet file: {listed} (its values are ignored)")
        )
    return present


# --- accounting ------------------------------------------------------------------------------


def _count(spark: Any, files: list[SparkFile]) -> None:
    """Every file's lines, headers, records and quarantined lines (one small query each)."""
    by_name = {f.source_file: f for f in files}
    for name, lines_read, headers in statements.run(spark, "spark/file_lines").collect():
        by_name[name].lines_read = int(lines_read)
        by_name[name].headers = int(headers)
    for name, records, quarantined in statements.run(spark, "spark/file_counts").collect():
        f = by_name[name]
        f.records = int(records)
        f.malformed += int(quarantined)
        if f.file_type == "parquet":
            f.lines_read = int(records) + int(quarantined)
    for name, *_ in statements.run(spark, "spark/header_problems").collect():
        by_name[name].malformed += 1
    for f in files:
        if f.file_type == "gzip" and f.error is None and f.lines_read == 0:
            f.error = "unreadable: corrupt gzip data (Spark's reader could not decompress it)"
        if f.error is not None and f.lines_read == 0:
            f.file_type = "unreadable"


def _text_formats(
    spark: Any, files: list[SparkFile], formats: dict[int, LogFormat], fallback: LogFormat
) -> None:
    """Every text file's formats as the DuckDB engine lists them in `files`: the headers taken,
    in order, after ``(no header) <fallback>`` when lines were read before the first of them."""
    headers: dict[str, list[tuple[int, int | None]]] = {}
    for name, line_number, format_id in statements.run(spark, "spark/header_list").collect():
        headers.setdefault(name, []).append((int(line_number), format_id))
    for f in files:
        found = headers.get(f.source_file, [])
        taken = [(n, i) for n, i in found if i is not None]
        first = taken[0][0] if taken else f.lines_read + 1
        before = sum(1 for n, _ in found if n < first)
        if first - 1 > before:
            f.formats.append(f"(no header) {fallback.text}")
        f.formats += [formats[i].text for _, i in taken]


def _malformed_view(
    spark: Any,
    files: list[SparkFile],
    unreadable: list[tuple[str, str]],
    notes: list[tuple[str, str]],
) -> None:
    """The view malformed: the quarantined lines (header problems, the rows convert.sql
    rejected, rendered as the DuckDB engine renders them) and one row per file problem."""
    text_rows = spark.sql(statements.inserted("ingest/insert_malformed", "raw IS NOT NULL"))
    parquet_sql = statements.inserted("ingest/insert_malformed_parquet", "s.raw IS NULL")
    parquet_rows = spark.sql(parquet_sql)
    headers = statements.run(spark, "spark/header_problems")
    problems = [(path, None, reason, None) for path, reason in unreadable]
    problems += [(f.source_file, None, f.error, None) for f in files if f.error]
    problems += [(path, None, reason, None) for path, reason in notes]
    file_rows = spark.createDataFrame(
        problems, "source_file STRING, line_number BIGINT, reason STRING, raw STRING"
    )
    columns = ["source_file", "line_number", "reason", "raw"]
    frame = file_rows
    for rows in (headers, text_rows, parquet_rows):
        frame = frame.unionByName(rows.toDF(*columns))
    frame.createOrReplaceTempView("malformed")
