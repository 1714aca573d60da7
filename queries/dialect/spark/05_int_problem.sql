-- flowsg_int_problem(name, x, n, maxv, plain): Spark's form of
-- queries/dialect/duckdb/05_int_problem.sql, the same cases in the same order: why the integer
-- field `name` with value x (text, or an integer read from Parquet) cannot be loaded, or NULL when
-- it can. flowsg_is_uint is written out (a macro's body is not expanded again), with '\z' for
-- the end (Java's '$' also matches before a final line terminator). Spark SQL has no macros:
-- flowsg/dialect.py expands every call inline.
-- Reads: nothing. Writes: nothing (expanded inline). Params: none.
CREATE OR REPLACE TEMP MACRO flowsg_int_problem(name, x, n, maxv, plain) AS
    CASE
        WHEN x IS NULL THEN NULL
        WHEN plain AND n IS NOT NULL THEN CASE WHEN n > maxv THEN 'out of range: ' || name END
        WHEN n >= 0 AND CAST(n AS STRING) = CAST(x AS STRING)
            THEN CASE WHEN n > maxv THEN 'out of range: ' || name END
        WHEN NOT CAST(x AS STRING) RLIKE '^0*[0-9]{1,19}\\z'
            THEN CASE
                WHEN CAST(x AS STRING) RLIKE '^-?[0-9]+\\z' THEN 'out of range: '
                ELSE 'not an integer: '
            END || name
        WHEN n IS NULL OR n > maxv THEN 'out of range: ' || name
    END;
