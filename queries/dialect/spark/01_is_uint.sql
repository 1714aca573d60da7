-- flowsg_is_uint(x): Spark's form of queries/dialect/duckdb/01_is_uint.sql: true when x, read as
-- text, is decimal digits and nothing else (at most 19 significant ones; leading zeros allowed).
-- Java's '$' also matches before a final line terminator, so the end is '\z'. Spark SQL has no
-- macros: flowsg/dialect.py expands every call inline.
-- Reads: nothing. Writes: nothing (expanded inline). Params: none.
CREATE OR REPLACE TEMP MACRO flowsg_is_uint(x) AS
    CAST(x AS STRING) RLIKE '^0*[0-9]{1,19}\\z';
