-- flowsg_int_problem(name, x, n, maxv): why the integer field `name` with value x (text, or already
-- an integer when read from Parquet) cannot be loaded, or NULL when it can (NULL x is fine: '-').
-- n is TRY_CAST(x AS BIGINT), computed once by the caller, which also uses it as the value.
-- Reads: nothing. Writes: the temporary macro flowsg_int_problem. Params: none.
CREATE OR REPLACE TEMP MACRO flowsg_int_problem(name, x, n, maxv) AS
    CASE
        WHEN x IS NULL THEN NULL
        WHEN NOT flowsg_is_uint(x)
            THEN CASE
                WHEN regexp_full_match(CAST(x AS VARCHAR), '-0*[0-9]{1,19}') THEN 'out of range: '
                ELSE 'not an integer: '
            END || name
        WHEN n IS NULL OR n > maxv THEN 'out of range: ' || name
    END;
