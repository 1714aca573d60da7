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

Each dataset is written with Spark's overwrite mode, folder by folder: unlike the DuckDB engine's
``--out``, the folder is not replaced in one step (object stores have no atomic rename).
"""

from __future__ import annotations

import json
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

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
        text = json.dumps(summary, indent=2, sort_keys=True) + "\n"
        write_text(spark, f"{base}/summary.json", text)
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
