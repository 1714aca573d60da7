-- flowsg_hex(h): the hexadecimal text h (1 to 4 digits, already validated) as an integer.
-- Reads: nothing. Writes: the temporary macro flowsg_hex. Params: none.
CREATE OR REPLACE TEMP MACRO flowsg_hex(h) AS CAST('0x' || h AS BIGINT);
