"""Shared test set-up: Hypothesis profiles and a fresh in-memory flowsg database per test.

Profiles: ``default`` for local runs (random examples; failures are replayed from .hypothesis/);
``ci``, loaded when the environment variable ``CI`` is set: as many examples (a flowsg load costs
~0.1 s, so more would push the property tests past a minute on a 2-core machine), derandomized
so that a CI run does not fail on examples an earlier run of the same code passed, without the
example database (CI starts from a clean clone), printing the reproduction blob of a failure.
``HYPOTHESIS_PROFILE=<name>`` picks a profile by hand.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, settings

import flowsg

settings.register_profile(
    "default",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    settings.get_profile("default"),
    derandomize=True,
    database=None,
    print_blob=True,
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
)


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh in-memory flowsg database, closed after the test.

    Not for ``@given`` tests: a function-scoped fixture is shared by all examples of one test, so
    those open their own connection per example.
    """
    connection = flowsg.connect(":memory:")
    try:
        yield connection
    finally:
        connection.close()


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    """moto as a real HTTP server on localhost for a module's tests (boto3 talks to it over
    HTTP); skipped where boto3 or moto[server] is not installed."""
    pytest.importorskip("boto3")
    moto_server = pytest.importorskip("moto.server")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def java_missing() -> str | None:
    """Why Spark cannot start here (no Java runtime), or None when it can."""
    java_home = os.environ.get("JAVA_HOME")
    if (java_home and os.access(os.path.join(java_home, "bin", "java"), os.X_OK)) or shutil.which(
        "java"
    ):
        return None
    return (
        "no Java runtime (no java on PATH, no JAVA_HOME): Spark cannot start here;"
        " .ci/run installs Debian's default-jre-headless"
    )


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark (``local[2]``) for the whole test session: small shuffles, no UI, quiet
    logs. Skipped, with the reason, only where there is no Java runtime."""
    reason = java_missing()
    if reason is not None:
        pytest.skip(reason)
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("flowsg-tests")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()
