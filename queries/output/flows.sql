-- The records as written to flows.parquet (--out): every record, NODATA and SKIPDATA included, in
-- the order they are stored (not sorted: sorting 10M wide records took 17 s and 6 GB, the rest of
-- the output 6 s and 0.6 GB; a reader sorts by source_file, line_number when it needs file order).
-- Reads: flows. Writes: nothing. Params: none.
SELECT
    source_file,
    line_number,
    interface_id,
    srcaddr,
    dstaddr,
    srcport,
    dstport,
    protocol,
    packets,
    bytes,
    "start",
    "end",
    action,
    log_status,
    tcp_flags,
    direction,
    verdict,
    matched_rule_ids,
    reason
FROM flows;
