-- flowsg_is_uint(x), Spark's: true when x, read as text, is decimal digits and nothing else (at
-- most 19 significant ones; leading zeros are allowed), as queries/dialect/duckdb/01_is_uint.sql.
-- Java's '$' also matches before a final line terminator, so the end is '\z'.
-- Reads: nothing. Writes: the temporary function flowsg_is_uint. Params: none.
CREATE OR REPLACE TEMPORARY FUNCTION flowsg_is_uint(x STRING) RETURNS BOOLEAN
RETURN x RLIKE '^0*[0-9]{1,19}\\z';
