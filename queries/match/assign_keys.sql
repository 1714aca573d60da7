-- Attribution, step 8: every record's new key in flow_store.key_id_next (the column
-- match/add_next_keys_column made; match/rename_next_keys_column makes it key_id in the final
-- transaction): its key in flow_keys, 0 for a record that is not judged (log-status
-- NODATA/SKIPDATA). One narrow column is updated in place instead of the records being written
-- again with their verdicts (which doubled the memory of a run).
-- The key is found on all the key's columns (IS NOT DISTINCT FROM: NULL matches NULL), and the row
-- by record_row (flow_store's rowid, given by the view flow_records; another engine writes the
-- records with their key_id instead). flowsg runs match/assign_keys_hashed instead, which finds the
-- key by one hash of these columns, unless two keys share a hash (match/key_hashes_unique).
-- One slice of rows at a time, each committed on its own (flowsg.verdict): the join on rowid builds
-- a hash table of the slice's rows, not of every record (at 30M records, peak RSS 3.4 GB in one
-- statement, 2.6 GB in slices of 2M rows, for the same time), and DuckDB holds the updated rows'
-- versions of one slice, not of every record, until its commit and checkpoint.
-- The keys are found first, as a materialized result of two columns (record_row, key_id), and
-- joined to the rows by rowid after (see match/assign_keys_hashed).
-- Reads: keyed_flows, flow_keys. Writes: flow_store.key_id_next.
-- Params: $first_row, $end_row (BIGINT: the slice, rowid >= $first_row and < $end_row).
UPDATE flow_store
SET key_id_next = keyed.key_id
FROM (
    WITH found AS MATERIALIZED (
        SELECT
            f.record_row,
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
            AND k.paired IS NOT DISTINCT FROM f.paired
        WHERE f.record_row >= $first_row AND f.record_row < $end_row
    )
    SELECT
        record_row,
        key_id
    FROM found
) AS keyed
WHERE
    flow_store.rowid = keyed.record_row
    AND flow_store.rowid >= $first_row
    AND flow_store.rowid < $end_row;
