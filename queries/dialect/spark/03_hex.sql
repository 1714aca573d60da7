-- flowsg_hex(h): Spark's form of queries/dialect/duckdb/03_hex.sql: the hexadecimal text h (1 to 4
-- digits, already validated) as an integer. Expanded inline by flowsg/dialect.py.
-- Reads: nothing. Writes: nothing (expanded inline). Params: none.
CREATE OR REPLACE TEMP MACRO flowsg_hex(h) AS CAST(conv(h, 16, 10) AS BIGINT);
