-- Attribution, step 0: every record with the columns of its key, defined once for flow_keys (which
-- groups them) and assign_keys (which finds each record's key again, by record_row: the record's row in flow_store). The key: interface,
-- protocol, addresses and their families, the class of each port (port_class_list), whether srcport <
-- dstport, flow-direction, action, TCP opening flags, and for a REJECT whether it has a reverse.
-- tcp_open: 'syn-ack' when a TCP record's flags have SYN and ACK (18), 'syn' for SYN alone (2).
-- src_family/dst_family: 6 when the address is written as IPv6 (an IPv4-mapped '::ffff:a.b.c.d'
-- included, as Python's ipaddress reads it), 4 for IPv4; the numeric forms alone cannot tell.
-- keyed: false for records with log-status NODATA/SKIPDATA, which are not judged (`skipped`).
-- Reads: flow_records, port_class_list, reject_pairs. Writes: temp view keyed_flows. Params: none.
CREATE OR REPLACE TEMP VIEW keyed_flows AS
SELECT
    f.*,
    (f.log_status IS NULL OR f.log_status = 'OK') AS keyed,
    flowsg_port_class(pc.classes, f.srcport) AS srcport_class,
    flowsg_port_class(pc.classes, f.dstport) AS dstport_class,
    f.srcport < f.dstport AS src_below,
    CASE
        WHEN f.protocol = 6 AND (f.tcp_flags & 2) = 2
            THEN CASE WHEN (f.tcp_flags & 18) = 18 THEN 'syn-ack' ELSE 'syn' END
    END AS tcp_open,
    CASE WHEN f.srcaddr_hi IS NOT NULL THEN CASE WHEN contains(f.srcaddr, ':') THEN 6 ELSE 4 END END
        AS src_family,
    CASE WHEN f.dstaddr_hi IS NOT NULL THEN CASE WHEN contains(f.dstaddr, ':') THEN 6 ELSE 4 END END
        AS dst_family,
    f.action = 'REJECT' AND rp.interface_id IS NOT NULL AS paired
FROM flow_records AS f
CROSS JOIN port_class_list AS pc
LEFT JOIN reject_pairs AS rp
    ON rp.interface_id = f.interface_id
    AND rp.protocol = f.protocol
    AND rp.srcaddr_hi = f.srcaddr_hi
    AND rp.srcaddr_lo = f.srcaddr_lo
    AND rp.dstaddr_hi = f.dstaddr_hi
    AND rp.dstaddr_lo = f.dstaddr_lo
    AND rp.srcport = f.srcport
    AND rp.dstport = f.dstport;
