-- Attribution, step 0: the REJECT records that have a reverse among the loaded records: another
-- record with the same interface and protocol, addresses and ports swapped (NODATA/SKIPDATA
-- records left out). Only a REJECT's orientation depends on it (key_verdicts), so only REJECTs
-- are looked up, which keeps the exact ports out of the keys. GROUP BY ALL (DuckDB, Spark 3.4+)
-- groups by every column that is not an aggregate, as in flow_keys.sql.
-- Every record is first tested against the hashes of the reversed REJECTs (flowsg_flow_hash),
-- a hash table of one number per distinct REJECT; only the few records that pass are compared
-- column by column. A join on the eight columns directly built its table of the REJECTs' eight
-- columns, which at 100M records (3.9M distinct REJECTs) did not fit under --memory-limit
-- 512MB: DuckDB spilled both sides, every record's eight columns included, and took 24.5 s
-- instead of 5.6 s (4.9 s against 4.0 s with room; at 10M the same).
-- Reads: reject_candidates, flow_records. Writes: temp table reject_pairs. Params: none.
CREATE OR REPLACE TEMP TABLE reject_pairs AS
WITH reversed AS (
    SELECT DISTINCT
        flowsg_flow_hash(
            interface_id, protocol, dstaddr_hi, dstaddr_lo, srcaddr_hi, srcaddr_lo, dstport, srcport
        ) AS flow_hash
    FROM reject_candidates
),
reverses AS (
    SELECT
        o.interface_id,
        o.protocol,
        o.srcaddr_hi,
        o.srcaddr_lo,
        o.dstaddr_hi,
        o.dstaddr_lo,
        o.srcport,
        o.dstport,
        count(*) AS records
    FROM flow_records AS o
    WHERE
        (o.log_status IS NULL OR o.log_status = 'OK')
        AND flowsg_flow_hash(
            o.interface_id,
            o.protocol,
            o.srcaddr_hi,
            o.srcaddr_lo,
            o.dstaddr_hi,
            o.dstaddr_lo,
            o.srcport,
            o.dstport
        ) IN (SELECT flow_hash FROM reversed)
    GROUP BY ALL
)
SELECT DISTINCT
    r.interface_id,
    r.protocol,
    r.srcaddr_hi,
    r.srcaddr_lo,
    r.dstaddr_hi,
    r.dstaddr_lo,
    r.srcport,
    r.dstport
FROM reject_candidates AS r
JOIN reverses AS o
    ON o.interface_id = r.interface_id
    AND o.protocol = r.protocol
    AND o.srcaddr_hi = r.dstaddr_hi
    AND o.srcaddr_lo = r.dstaddr_lo
    AND o.dstaddr_hi = r.srcaddr_hi
    AND o.dstaddr_lo = r.srcaddr_lo
    AND o.srcport = r.dstport
    AND o.dstport = r.srcport
    -- a REJECT from an address and port to the same address and port is its own reverse: it is
    -- paired only when another record has that flow too
    AND (
        o.records > 1
        OR r.srcaddr_hi <> r.dstaddr_hi
        OR r.srcaddr_lo <> r.dstaddr_lo
        OR r.srcport <> r.dstport
    );
