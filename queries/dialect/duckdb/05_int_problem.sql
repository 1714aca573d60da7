-- flowsg_int_problem(name, x, maxv): why the integer field `name` with value x (text, or already an
-- integer when read from Parquet) cannot be loaded, or NULL when it can (NULL x is fine: '-').
-- Reads: nothing. Writes: the temporary macro flowsg_int_problem. Params: none.
CREATE OR REPLACE TEMP MACRO flowsg_int_problem(name, x, maxv) AS
    CASE
        WHEN x IS NULL THEN NULL
        WHEN NOT flowsg_is_uint(x)
            THEN CASE
                WHEN regexp_full_match(CAST(x AS VARCHAR), '-0*[0-9]{1,19}') THEN 'out of range: '
                ELSE 'not an integer: '
            END || name
        WHEN TRY_CAST(x AS BIGINT) IS NULL OR TRY_CAST(x AS BIGINT) > maxv
            THEN 'out of range: ' || name
    END;
