-- flowsg_int_problem(name, x, n, maxv, plain): why the integer field `name` with value x (text,
-- or already an integer when read from Parquet) cannot be loaded, or NULL when it can (NULL x is
-- fine: '-'). n is TRY_CAST(x AS BIGINT), computed once by the caller, which also uses it as the
-- value. plain is true when the reader already saw that every integer field of the row is ASCII
-- digits (the ingest fast path), so only the range is left to check; NULL when it did not look.
-- Digits alone, or after a minus sign, are an integer out of range however many there are.
-- Otherwise the common case, x written exactly as n's decimal digits, is told by comparing the
-- two texts, and the regular expression of flowsg_is_uint only sees the rest.
-- Reads: nothing. Writes: the temporary macro flowsg_int_problem. Params: none.
CREATE OR REPLACE TEMP MACRO flowsg_int_problem(name, x, n, maxv, plain) AS
    CASE
        WHEN x IS NULL THEN NULL
        WHEN plain AND n IS NOT NULL THEN CASE WHEN n > maxv THEN 'out of range: ' || name END
        WHEN n >= 0 AND CAST(n AS VARCHAR) = CAST(x AS VARCHAR)
            THEN CASE WHEN n > maxv THEN 'out of range: ' || name END
        WHEN NOT flowsg_is_uint(x)
            THEN CASE
                WHEN regexp_full_match(CAST(x AS VARCHAR), '-?[0-9]+') THEN 'out of range: '
                ELSE 'not an integer: '
            END || name
        WHEN n IS NULL OR n > maxv THEN 'out of range: ' || name
    END;
