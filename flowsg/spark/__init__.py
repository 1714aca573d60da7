"""flowsg on Apache Spark (``flowsg analyze --engine spark``; the extra ``flowsg[spark]``).

The snapshot is loaded and normalised by DuckDB exactly as for the DuckDB engine, then handed to
Spark (:mod:`flowsg.spark.tables`); Spark reads the flow logs itself (:mod:`flowsg.spark.ingest`)
and runs the attribution queries of ``queries/`` as DuckDB runs them (see :mod:`flowsg.dialect`,
:mod:`flowsg.spark.attribute`); :mod:`flowsg.spark.run` is the whole ``analyze``. Importing this
package imports nothing of pyspark; its modules do (:func:`flowsg.spark.session.import_pyspark`
raises :class:`~flowsg.errors.UsageError` with ``pip install 'flowsg[spark]'`` when it is missing).
"""
