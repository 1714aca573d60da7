"""flowsg on Apache Spark (the extra ``flowsg[spark]``).

The attribution queries of ``queries/`` run on Spark as they run on DuckDB (see
:mod:`flowsg.dialect`): :mod:`flowsg.spark.tables` hands DuckDB tables to a SparkSession,
:mod:`flowsg.spark.attribute` runs the attribution steps there. Importing this package imports
nothing of pyspark; its modules do.
"""
