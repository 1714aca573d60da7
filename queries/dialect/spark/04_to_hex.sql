-- flowsg_to_hex(n), Spark's: the integer n (0 .. 65535) as lower-case hexadecimal text without
-- leading zeros.
-- Reads: nothing. Writes: the temporary function flowsg_to_hex. Params: none.
CREATE OR REPLACE TEMPORARY FUNCTION flowsg_to_hex(n BIGINT) RETURNS STRING
RETURN lower(hex(n));
