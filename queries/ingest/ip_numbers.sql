-- Computes the numeric form of every distinct address of the batch (batch_addresses), once per
-- address rather than once per record: the 128-bit value (IPv4 as IPv4-mapped IPv6, ::ffff:a.b.c.d) as two
-- BIGINTs, high and low 64 bits, each with its top bit flipped (unsigned - 2^63) so that (hi, lo)
-- sorts in address order. Text that is not an address (by the rules of Python's ipaddress, without
-- zone ids) gets no row. Only the primitives (IPv4 to integer, hex conversions) are engine macros
-- (queries/dialect/duckdb/); the IPv6 expansion below is plain string functions.
-- Reads: batch_addresses.
-- Writes: temp table ip_numbers (addr, hi, lo). Params: none.
CREATE OR REPLACE TEMP TABLE ip_numbers AS
WITH addrs AS (
    SELECT a FROM batch_addresses
),
v4 AS (
    SELECT a, flowsg_ipv4_num(a) AS n
    FROM addrs
    WHERE NOT contains(a, ':')
),
-- IPv6, step 1: lower case; a dotted IPv4 tail ('::ffff:192.0.2.1') becomes two hex groups.
v6_tail AS (
    SELECT
        a,
        lower(a) AS s,
        CASE WHEN contains(a, '.') THEN flowsg_ipv4_num(regexp_extract(a, '[^:]*$')) END AS tail
    FROM addrs
    WHERE contains(a, ':')
),
v6_hex AS (
    SELECT
        a,
        CASE
            WHEN NOT contains(s, '.') THEN s
            WHEN tail IS NOT NULL
                THEN regexp_replace(s, '[^:]*$', '')
                    || flowsg_to_hex(tail // 65536) || ':' || flowsg_to_hex(tail % 65536)
        END AS s
    FROM v6_tail
),
-- Step 2: the parts left and right of '::' and how many groups each holds.
v6_parts AS (
    SELECT
        a,
        s,
        contains(s, '::') AS compressed,
        length(s) - length(replace(s, '::', '')) AS compress_chars,
        split_part(s, '::', 1) AS l,
        split_part(s, '::', 2) AS r
    FROM v6_hex
    WHERE s IS NOT NULL
),
v6_counts AS (
    SELECT
        *,
        8
        - CASE WHEN l = '' THEN 0 ELSE length(l) - length(replace(l, ':', '')) + 1 END
        - CASE WHEN r = '' THEN 0 ELSE length(r) - length(replace(r, ':', '')) + 1 END AS missing
    FROM v6_parts
),
-- Step 3: all eight groups spelled out; '::' must stand for at least one group, and only once.
v6_full AS (
    SELECT
        a,
        CASE
            WHEN NOT compressed THEN s
            WHEN compress_chars = 2 AND missing >= 1
                THEN concat_ws(
                    ':',
                    nullif(l, ''),
                    rtrim(repeat('0:', CAST(missing AS INTEGER)), ':'),
                    nullif(r, '')
                )
        END AS f
    FROM v6_counts
)
SELECT
    a AS addr,
    (0 - 32768) * 281474976710656 AS hi,
    (0 - 32768) * 281474976710656 + 65535 * 4294967296 + n AS lo
FROM v4
WHERE n IS NOT NULL
UNION ALL
SELECT
    a AS addr,
    (flowsg_hex(split_part(f, ':', 1)) - 32768) * 281474976710656
    + flowsg_hex(split_part(f, ':', 2)) * 4294967296
    + flowsg_hex(split_part(f, ':', 3)) * 65536
    + flowsg_hex(split_part(f, ':', 4)) AS hi,
    (flowsg_hex(split_part(f, ':', 5)) - 32768) * 281474976710656
    + flowsg_hex(split_part(f, ':', 6)) * 4294967296
    + flowsg_hex(split_part(f, ':', 7)) * 65536
    + flowsg_hex(split_part(f, ':', 8)) AS lo
FROM v6_full
WHERE regexp_full_match(f, '([0-9a-f]{1,4}:){7}[0-9a-f]{1,4}');
