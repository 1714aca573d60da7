-- The distinct addresses of the batch in fields_raw (the four address fields), stored on their own so
-- that ip_numbers.sql works on a few thousand addresses, not on a million records: in a single
-- statement DuckDB planned the distinct step badly (1.4 s instead of 0.05 s per million records).
-- Reads: fields_raw. Writes: temp table batch_addresses (a). Params: none.
CREATE OR REPLACE TEMP TABLE batch_addresses AS
SELECT DISTINCT a
FROM (
    SELECT srcaddr AS a FROM fields_raw
    UNION ALL SELECT dstaddr FROM fields_raw
    UNION ALL SELECT pkt_srcaddr FROM fields_raw
    UNION ALL SELECT pkt_dstaddr FROM fields_raw
) AS all_addresses
WHERE a IS NOT NULL;
