-- Attribution, step 8 (DuckDB): every key of flow_keys with the hash of its 15 columns
-- (flowsg_key_hash), for match/assign_keys_hashed, which finds a record's key by that one number.
-- Reads: flow_keys. Writes: temp table key_hashes (key_id, key_hash). Params: none.
CREATE OR REPLACE TEMP TABLE key_hashes AS
SELECT
    key_id,
    flowsg_key_hash(
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
    ) AS key_hash
FROM flow_keys;
