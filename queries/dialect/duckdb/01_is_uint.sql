-- flowsg_is_uint(x): true when x, read as text, is decimal digits and nothing else (at most 19
-- significant ones; leading zeros are allowed).
-- DuckDB's own cast is lenient (it accepts '5.5', '1e3', '0x10', '1_000', ' 5'); flow-log
-- integers are plain digits, so every integer field is checked with this before it is cast.
-- Reads: nothing. Writes: the temporary macro flowsg_is_uint. Params: none.
CREATE OR REPLACE TEMP MACRO flowsg_is_uint(x) AS
    regexp_full_match(CAST(x AS VARCHAR), '0*[0-9]{1,19}');
