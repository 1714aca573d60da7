-- The records as written to flows.parquet (--out): every record, NODATA and SKIPDATA included,
-- in file and line order.
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
FROM flows
ORDER BY source_file, line_number;
