-- flowsg_port_class(classes, port): Spark's form of queries/dialect/duckdb/09_port_class.sql: the
-- class of `port` in `classes` (every port's class in port order), NULL for a NULL port.
-- element_at counts from 1, as DuckDB's brackets do. Spark SQL has no macros: flowsg/dialect.py
-- expands every call inline.
-- Reads: nothing. Writes: nothing (expanded inline). Params: none.
CREATE OR REPLACE TEMP MACRO flowsg_port_class(classes, port) AS element_at(classes, port + 1);
