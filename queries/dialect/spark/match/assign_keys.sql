-- Attribution, step 8, as Spark runs it (DuckDB: queries/match/assign_keys.sql): every record's
-- key_id: its key in flow_keys, 0 for a record that is not judged (log-status NODATA/SKIPDATA).
-- DuckDB updates the one column in place by its rowid; Spark has neither row ids nor UPDATE on a
-- view, so the records are written again, with their key, as the cached view flow_records that
-- replaces the input (same columns; the columns keyed_flows adds are left out).
-- The key is found exactly as DuckDB's statement finds it: the same join on all the key's columns
-- (IS NOT DISTINCT FROM: NULL matches NULL); tests/test_spark_parity.py checks that the two joins
-- are the same. Written in the shared dialect and transpiled like queries/.
-- Reads: keyed_flows, flow_keys. Writes: flow_records (a cached temporary view on Spark).
-- Params: none.
CREATE OR REPLACE TEMP TABLE flow_records AS
SELECT
    f.* EXCLUDE (
        key_id,
        keyed,
        srcport_class,
        dstport_class,
        src_below,
        tcp_open,
        src_family,
        dst_family,
        paired
    ),
    coalesce(k.key_id, 0) AS key_id
FROM keyed_flows AS f
LEFT JOIN flow_keys AS k
    ON f.keyed
    AND k.interface_id IS NOT DISTINCT FROM f.interface_id
    AND k.protocol IS NOT DISTINCT FROM f.protocol
    AND k.srcaddr_hi IS NOT DISTINCT FROM f.srcaddr_hi
    AND k.srcaddr_lo IS NOT DISTINCT FROM f.srcaddr_lo
    AND k.dstaddr_hi IS NOT DISTINCT FROM f.dstaddr_hi
    AND k.dstaddr_lo IS NOT DISTINCT FROM f.dstaddr_lo
    AND k.src_family IS NOT DISTINCT FROM f.src_family
    AND k.dst_family IS NOT DISTINCT FROM f.dst_family
    AND k.srcport_class IS NOT DISTINCT FROM f.srcport_class
    AND k.dstport_class IS NOT DISTINCT FROM f.dstport_class
    AND k.src_below IS NOT DISTINCT FROM f.src_below
    AND k.flow_direction IS NOT DISTINCT FROM f.flow_direction
    AND k.action IS NOT DISTINCT FROM f.action
    AND k.tcp_open IS NOT DISTINCT FROM f.tcp_open
    AND k.paired IS NOT DISTINCT FROM f.paired;
