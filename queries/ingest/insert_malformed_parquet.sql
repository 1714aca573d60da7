-- Appends the rejected rows of a Parquet batch to malformed, with their reason and, as they have
-- no line, the non-NULL fields as name=value pairs, cut to 1,024 characters; returns the file of every row written.
-- Reads: converted, fields_raw (the Parquet batch, Arrow). Writes: malformed_loading. Params: none.
INSERT INTO malformed_loading (source_file, line_number, reason, raw)
SELECT
    s.source_file,
    s.line_number,
    s.reason,
    left(
        concat_ws(
            ' ',
            'version=' || r.version, 'account-id=' || r.account_id,
            'interface-id=' || r.interface_id, 'srcaddr=' || r.srcaddr,
            'dstaddr=' || r.dstaddr, 'srcport=' || r.srcport, 'dstport=' || r.dstport,
            'protocol=' || r.protocol, 'packets=' || r.packets, 'bytes=' || r.bytes,
            'start=' || r."start", 'end=' || r."end", 'action=' || r.action,
            'log-status=' || r.log_status, 'tcp-flags=' || r.tcp_flags,
            'pkt-srcaddr=' || r.pkt_srcaddr, 'pkt-dstaddr=' || r.pkt_dstaddr,
            'flow-direction=' || r.flow_direction, 'traffic-path=' || r.traffic_path
        ),
        1024
    )
FROM converted AS s
JOIN fields_raw AS r ON r.source_file = s.source_file AND r.line_number = s.line_number
WHERE s.reason IS NOT NULL
RETURNING source_file;
