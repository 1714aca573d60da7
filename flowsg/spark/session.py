"""The SparkSession of a flowsg run: ``--spark-master``, a small local footprint, s3a settings.

pyspark is an optional extra (``flowsg[spark]``): it is imported here, when a run needs it, and
its absence is a :class:`~flowsg.errors.UsageError` (exit 2) with the command that installs it.
"""

from __future__ import annotations

import importlib
import os
import shutil
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

from ..errors import UsageError

INSTALL_HINT = "pip install 'flowsg[spark]'"

APP_NAME = "flowsg"

LOCAL_SETTINGS: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.session.timeZone": "UTC",
    # A file that cannot be read (corrupt gzip, deleted since it was listed) is left out by the
    # reader instead of failing the job; flowsg.spark.ingest reports it in `malformed`.
    "spark.sql.files.ignoreCorruptFiles": "true",
    "spark.sql.files.ignoreMissingFiles": "true",
}
"""Settings of every flowsg session (a cluster's own defaults apply to everything else)."""

S3A_SETTINGS: dict[str, str] = {
    # The default AWS chain: instance profile on EMR, the Glue job's role, the environment.
    "spark.hadoop.fs.s3a.aws.credentials.provider": (
        "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider"
    ),
}
"""s3a settings for ``s3a://`` paths (EMR and Glue set their own; these apply elsewhere)."""


def import_pyspark(purpose: str) -> ModuleType:
    """The module ``pyspark.sql``, or UsageError (exit 2) saying how to install it."""
    try:
        with warnings.catch_warnings():  # pyspark's complaint about the pandas version
            warnings.simplefilter("ignore", FutureWarning)
            return importlib.import_module("pyspark.sql")
    except ImportError as exc:
        raise UsageError(f"{purpose} needs pyspark, which is not installed", INSTALL_HINT) from exc


def require_spark(purpose: str = "--engine spark") -> None:
    """Check that the extra ``flowsg[spark]`` is installed (pyspark and sqlglot): UsageError (exit
    2) saying how to install it otherwise."""
    import_pyspark(purpose)
    try:
        importlib.import_module("sqlglot")
    except ImportError as exc:
        raise UsageError(f"{purpose} needs sqlglot, which is not installed", INSTALL_HINT) from exc


def driver_memory() -> str:
    """The heap of a Spark driver flowsg starts (in local mode it holds the executors too):
    half the machine's memory, between 1 and 8 GB (Spark's default, 1 GB, is too little for a
    text file of a million records read whole)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "2g"
    return f"{max(1, min(8, total // 2 // 2**30))}g"


def submitted() -> bool:
    """Whether this Python runs as the driver of spark-submit (or a Glue job): the JVM started it
    and told it where to connect."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def java_available() -> bool:
    """Whether a Java runtime is on PATH or named by JAVA_HOME (Spark needs one)."""
    home = os.environ.get("JAVA_HOME")
    if home and os.path.exists(os.path.join(home, "bin", "java")):
        return True
    return shutil.which("java") is not None


def spark_session(master: str | None = None, *, settings: dict[str, str] | None = None) -> Any:
    """The SparkSession for a run: the active one, or under spark-submit or a Glue job the
    cluster's (its master and settings), else a new one on ``master`` (default ``local[*]``)
    with the UI off, few shuffle partitions and Spark's logging down to errors.

    Raises UsageError when pyspark is missing or no Java runtime is found.
    """
    pyspark_sql = import_pyspark("--engine spark")
    # pyspark warns on every DataFrame from Arrow that pandas 3 is newer than it knows
    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
    active = pyspark_sql.SparkSession.getActiveSession()
    if active is not None and master is None:
        _configure(active, settings or {})
        return active
    if master is None and submitted():
        # spark-submit (EMR) or a Glue job: the master and the settings are the cluster's
        session = pyspark_sql.SparkSession.builder.appName(APP_NAME).getOrCreate()
        _configure(session, settings or {})
        return session
    if not java_available():
        raise UsageError(
            "--engine spark needs a Java runtime (java on PATH or JAVA_HOME), none was found",
            "install one (Debian: apt-get install default-jre-headless) or use --engine duckdb",
        )
    builder = pyspark_sql.SparkSession.builder.appName(APP_NAME).master(master or "local[*]")
    logging = Path(__file__).with_name("log4j2.properties")
    quiet = {"spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile={logging.as_uri()}"}
    memory = {"spark.driver.memory": driver_memory()}
    for key, value in (LOCAL_SETTINGS | S3A_SETTINGS | memory | quiet | (settings or {})).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    _configure(session, settings or {})
    return session


def configure(session: Any, settings: dict[str, str] | None = None) -> None:
    """The settings flowsg's reading relies on (files that cannot be read are left out and
    reported, times in UTC), on any session, and ``settings`` (runtime ones only)."""
    _configure(session, settings or {})


def _configure(session: Any, settings: dict[str, str]) -> None:
    """The settings flowsg's reading relies on, on a session it did not create."""
    for key in ("spark.sql.files.ignoreCorruptFiles", "spark.sql.files.ignoreMissingFiles"):
        session.conf.set(key, LOCAL_SETTINGS[key])
    session.conf.set("spark.sql.session.timeZone", "UTC")
    for key, value in settings.items():
        if not key.startswith("spark.hadoop."):
            session.conf.set(key, value)
