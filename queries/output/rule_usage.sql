-- The rule usage as written to rule_usage.parquet (--out): one row per rule of the snapshot.
-- Reads: rule_usage. Writes: nothing. Params: none.
SELECT
    rule_id,
    group_id,
    group_name,
    direction,
    protocol,
    from_port,
    to_port,
    peer_kind,
    peer,
    description,
    resolvable,
    hits,
    sole_hits,
    return_hits,
    packets,
    bytes,
    first_seen,
    last_seen
FROM rule_usage
ORDER BY group_id, direction, rule_id;
