-- flowsg_key_hash(the 15 columns of an attribution key, in flow_keys' order): a 64-bit hash of the
-- key (NULL hashes as a value), for match/assign_keys_hashed, which finds a record's key by this
-- one number when no two keys of flow_keys share it (match/key_hashes_unique), instead of
-- comparing 15 columns. Hash functions are every engine's own; this is DuckDB's. Spark finds the
-- keys by their columns (queries/dialect/spark/match/assign_keys.sql) and has no form of it.
-- Reads: nothing. Writes: the temporary macro flowsg_key_hash. Params: none.
CREATE OR REPLACE TEMP MACRO flowsg_key_hash(
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
    paired
) AS hash(
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
    paired
);
