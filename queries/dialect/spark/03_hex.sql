-- flowsg_hex(h), Spark's: the hexadecimal text h (1 to 4 digits, already validated) as an integer.
-- Reads: nothing. Writes: the temporary function flowsg_hex. Params: none.
CREATE OR REPLACE TEMPORARY FUNCTION flowsg_hex(h STRING) RETURNS BIGINT
RETURN CAST(conv(h, 16, 10) AS BIGINT);
