"""flowsg on Apache Spark (``flowsg analyze --engine spark``; the optional extra ``flowsg[spark]``).

The snapshot is loaded and normalised by DuckDB exactly as for the DuckDB engine, then handed to
Spark; Spark reads the flow logs itself (:mod:`flowsg.spark.ingest`) and attributes them.
Nothing here imports pyspark at import time: :func:`flowsg.spark.session.import_pyspark` raises
:class:`~flowsg.errors.UsageError` with ``pip install 'flowsg[spark]'`` when it is missing.
"""
