-- flowsg_int_problem(name, x, n, maxv): why the integer field `name` with value x (text, or already
-- an integer when read from Parquet) cannot be loaded, or NULL when it can (NULL x is fine: '-').
-- n is TRY_CAST(x AS BIGINT), computed once by the caller, which also uses it as the value.
-- The common case, x written exactly as n's decimal digits, is told by comparing the two texts
-- (cheaper than the regular expression of flowsg_is_uint, which then only sees the rest).
-- Reads: nothing. Writes: the temporary macro flowsg_int_problem. Params: none.
CREATE OR REPLACE TEMP MACRO flowsg_int_problem(name, x, n, maxv) AS
    CASE
        WHEN x IS NULL THEN NULL
        WHEN n >= 0 AND CAST(n AS VARCHAR) = CAST(x AS VARCHAR)
            THEN CASE WHEN n > maxv THEN 'out of range: ' || name END
        WHEN NOT flowsg_is_uint(x)
            THEN CASE
                WHEN regexp_full_match(CAST(x AS VARCHAR), '-0*[0-9]{1,19}') THEN 'out of range: '
                ELSE 'not an integer: '
            END || name
        WHEN n IS NULL OR n > maxv THEN 'out of range: ' || name
    END;
