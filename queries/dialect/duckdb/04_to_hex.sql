-- flowsg_to_hex(n): the integer n (0 .. 65535) as lower-case hexadecimal text without leading zeros.
-- Reads: nothing. Writes: the temporary macro flowsg_to_hex. Params: none.
CREATE OR REPLACE TEMP MACRO flowsg_to_hex(n) AS lower(printf('%x', n));
