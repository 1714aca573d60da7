"""The files of ``flowsg analyze --out`` written by Spark itself, for runs whose records do not
fit one machine (``python -m flowsg.spark`` on EMR or Glue): nothing passes through the driver but
summary.json.

The rows and columns are those of the DuckDB engine's files, from the same statements
(``queries/output/flows.sql``, ``rule_usage.sql``, ``malformed.sql``, run on Spark through
:func:`flowsg.spark.attribute.run`). What differs is the layout, as Spark writes in parallel:

* ``flows.parquet`` is a folder of Parquet files (a dataset: ``pyarrow.parquet.read_table``,
  pandas, Spark and Athena read the folder; DuckDB reads ``flows.parquet/**/*.parquet``). With more
  than ``partition_records`` records it is partitioned by the UTC day of each record's ``start``:
  ``flows.parquet/date=YYYY-MM-DD/`` (``date=__HIVE_DEFAULT_PARTITION__`` for records without a
  start), and readers that understand Hive partitions see an extra column ``date``.
* ``rule_usage.parquet`` and ``malformed.parquet`` are folders holding one Parquet file each.
* ``summary.json`` is one file, written when the caller gives its content.

For a URI, each dataset is written with Spark's overwrite mode, folder by folder: the folder is not
replaced in one step (object stores have no atomic rename). A local ``--out``
(:func:`write_out`) is written into a hidden folder beside it that then takes its place in one
step, as the DuckDB engine's ``--out`` does.
"""

from __future__ import annotations

import os
import shutil
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from ..errors import InputError, UsageError
from ..files import publish_folder, temporary_folder_beside
from ..output import check_out_folder, summary_text
from .attribute import run

PARTITION_RECORDS = 10_000_000
"""Above this many records, flows.parquet is partitioned by date."""

SINGLE_FILES = ("rule_usage", "malformed")
"""Written as one Parquet file each (one row per rule, per quarantined line: small)."""


def _with_date(flows: DataFrame) -> DataFrame:
    """flows with ``date``, the UTC day of ``start`` (seconds since the epoch), computed without
    the session's time zone."""
    days = F.floor(F.col("start") / F.lit(86400)).cast("int")
    return flows.withColumn("date", F.date_add(F.lit("1970-01-01").cast("date"), days))


def write_outputs(
    spark: SparkSession,
    out: str,
    *,
    summary: dict[str, Any] | None = None,
    partition_records: int = PARTITION_RECORDS,
) -> dict[str, int]:
    """Write flows.parquet, rule_usage.parquet, malformed.parquet (and summary.json when
    ``summary`` is given) under ``out``, a local path or a Hadoop URI (``s3a://BUCKET/PREFIX``).
    Needs the views :func:`flowsg.spark.attribute.attribute` leaves (``flows``, ``rule_usage``)
    and ``malformed``. Returns the rows written per file."""
    base = out.rstrip("/")
    flows = run(spark, "output/flows")
    records = flows.count()
    if records > partition_records:
        writer = _with_date(flows).write.partitionBy("date")
    else:
        writer = flows.coalesce(1).write
    writer.mode("overwrite").parquet(f"{base}/flows.parquet")
    written = {"flows": records}
    for name in SINGLE_FILES:
        frame = run(spark, f"output/{name}").coalesce(1)
        frame.write.mode("overwrite").parquet(f"{base}/{name}.parquet")
        written[name] = frame.count()
    if summary is not None:
        write_text(spark, f"{base}/summary.json", summary_text(summary))
    return written


def is_local(spark: SparkSession) -> bool:
    """Whether Spark runs in local mode (its executors are this machine's threads)."""
    return str(spark.sparkContext.master).startswith("local")


def write_out(
    spark: SparkSession,
    out: str,
    summary: dict[str, Any],
    *,
    partition_records: int = PARTITION_RECORDS,
) -> dict[str, int]:
    """``flowsg analyze --engine spark --out OUT``: :func:`write_outputs` into ``out``.

    A URI (``s3a://BUCKET/PREFIX``, ``hdfs://...``) is written in place. A local folder is checked
    as the DuckDB engine checks it (new, empty or an earlier ``--out``), written into a hidden
    folder beside it and put in its place in one step; on a cluster (not ``local[...]``) a local
    folder is refused (UsageError), since the executors would write to their own disks."""
    if "://" in out:
        return write_outputs(spark, out, summary=summary, partition_records=partition_records)
    if not is_local(spark):
        raise UsageError(
            f"--out {out} is a local folder, but Spark runs on a cluster"
            f" ({spark.sparkContext.master}): its executors cannot write there",
            "give --out a URI the cluster can write, e.g. s3a://BUCKET/flowsg-out/",
        )
    folder = os.path.abspath(out)
    check_out_folder(folder)
    tmp: str | None = None
    try:
        tmp = temporary_folder_beside(folder)
        written = write_outputs(
            spark, "file://" + tmp, summary=None, partition_records=partition_records
        )
        with open(os.path.join(tmp, "summary.json"), "w", encoding="utf-8") as file:
            file.write(summary_text(summary))  # not through Hadoop: no .summary.json.crc beside
        publish_folder(tmp, folder)
        tmp = None
    except OSError as exc:
        raise InputError(
            f"cannot write --out {out}: {exc.strerror or exc}",
            "check that the folder above it can be written (and the disk has room)",
        ) from exc
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return written


def write_text(spark: SparkSession, path: str, text: str) -> None:
    """Write a small text file (UTF-8) through Hadoop's file system, so that an s3a:// path works
    as a local one does."""
    jvm: Any = spark.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    fs = hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    stream = fs.create(hadoop_path, True)
    try:
        stream.write(bytearray(text.encode("utf-8")))
    finally:
        stream.close()
