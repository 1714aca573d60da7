-- flowsg_to_hex(n): Spark's form of queries/dialect/duckdb/04_to_hex.sql: the integer n (0 .. 65535)
-- as lower-case hexadecimal text without leading zeros. Expanded inline by flowsg/dialect.py.
-- Reads: nothing. Writes: nothing (expanded inline). Params: none.
CREATE OR REPLACE TEMP MACRO flowsg_to_hex(n) AS lower(hex(n));
