-- flowsg_int_problem(name, x, n, maxv, plain), Spark's: why the integer field `name` with value x
-- (text, or an integer read from Parquet, compared as text) cannot be loaded, or NULL when it can;
-- the same cases in the same order as queries/dialect/duckdb/05_int_problem.sql.
-- Reads: nothing. Writes: the temporary function flowsg_int_problem. Params: none.
CREATE OR REPLACE TEMPORARY FUNCTION flowsg_int_problem(
    name STRING, x STRING, n BIGINT, maxv BIGINT, plain BOOLEAN
) RETURNS STRING
RETURN CASE
    WHEN x IS NULL THEN NULL
    WHEN plain AND n IS NOT NULL THEN CASE WHEN n > maxv THEN 'out of range: ' || name END
    WHEN n >= 0 AND CAST(n AS STRING) = x
        THEN CASE WHEN n > maxv THEN 'out of range: ' || name END
    WHEN NOT flowsg_is_uint(x)
        THEN CASE
            WHEN x RLIKE '^-?[0-9]+\\z' THEN 'out of range: '
            ELSE 'not an integer: '
        END || name
    WHEN n IS NULL OR n > maxv THEN 'out of range: ' || name
END;
