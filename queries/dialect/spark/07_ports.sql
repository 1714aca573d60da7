-- flowsg_ports(): Spark's form of queries/dialect/duckdb/07_ports.sql: every port number, 0 to
-- 65535, as a table of one INT column `port` (Spark's range() names its column id). Spark SQL has
-- no macros: flowsg/dialect.py expands a call in FROM into this query, as a subquery.
-- Reads: nothing. Writes: nothing (expanded inline). Params: none.
CREATE OR REPLACE TEMP MACRO flowsg_ports() AS TABLE
    SELECT CAST(id AS INT) AS port FROM range(65536);
