-- Attribution, step 1: the distinct keys of the records to judge (keyed_flows). Records that share
-- a key are matched once; with ports replaced by their classes, the many records of a conversation
-- that differ only in the client's ephemeral port share one key. Each key carries its records'
-- count, packets, bytes and time span. Records with log-status NODATA/SKIPDATA are not keys.
-- GROUP BY ALL (DuckDB, Spark 3.4+) groups by every column that is not an aggregate, so the key
-- columns are listed once. The keys are numbered in no particular order (Spark, which numbers
-- rows only in a given order, numbers them with monotonically_increasing_id() + 1: see
-- flowsg/dialect.py); 0 is never a key.
-- Reads: keyed_flows. Writes: temp table flow_keys. Params: none.
CREATE OR REPLACE TEMP TABLE flow_keys AS
SELECT
    row_number() OVER () AS key_id,
    g.*
FROM (
    SELECT
        interface_id,
        protocol,
        srcaddr_hi,
        srcaddr_lo,
        dstaddr_hi,
        dstaddr_lo,
        src_family,
        dst_family,
        srcport_class,
        dstport_class,
        src_below,
        flow_direction,
        action,
        tcp_open,
        paired,
        count(*) AS records,
        sum(packets) AS packets,
        sum(bytes) AS bytes,
        min("start") AS first_start,
        max("end") AS last_end
    FROM keyed_flows
    WHERE keyed
    GROUP BY ALL
) AS g;
