-- Attribution, step 1: the distinct keys of the records to judge. Many records share (interface,
-- protocol, addresses, ports, flow-direction, action, TCP opening flags), so matching runs once per
-- key, not once per record; each key carries its records' count, packets, bytes and time span.
-- tcp_open: 'syn-ack' when a TCP record's flags have SYN and ACK (18), 'syn' for SYN alone (2).
-- src_family/dst_family: 6 when the address is written as IPv6 (an IPv4-mapped '::ffff:a.b.c.d'
-- included, as Python's ipaddress reads it), 4 for IPv4; the numeric forms alone cannot tell.
-- Records with log-status NODATA/SKIPDATA are not keys (verdict `skipped`).
-- Reads: flows. Writes: temp table flow_keys. Params: none.
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
        srcport,
        dstport,
        flow_direction,
        action,
        CASE
            WHEN protocol = 6 AND (tcp_flags & 2) = 2
                THEN CASE WHEN (tcp_flags & 18) = 18 THEN 'syn-ack' ELSE 'syn' END
        END AS tcp_open,
        CASE WHEN srcaddr_hi IS NOT NULL THEN CASE WHEN contains(srcaddr, ':') THEN 6 ELSE 4 END END
            AS src_family,
        CASE WHEN dstaddr_hi IS NOT NULL THEN CASE WHEN contains(dstaddr, ':') THEN 6 ELSE 4 END END
            AS dst_family,
        count(*) AS records,
        sum(packets) AS packets,
        sum(bytes) AS bytes,
        min("start") AS first_start,
        max("end") AS last_end
    FROM flows
    WHERE log_status IS NULL OR log_status = 'OK'
    GROUP BY
        interface_id,
        protocol,
        srcaddr_hi,
        srcaddr_lo,
        dstaddr_hi,
        dstaddr_lo,
        srcport,
        dstport,
        flow_direction,
        action,
        CASE
            WHEN protocol = 6 AND (tcp_flags & 2) = 2
                THEN CASE WHEN (tcp_flags & 18) = 18 THEN 'syn-ack' ELSE 'syn' END
        END,
        CASE WHEN srcaddr_hi IS NOT NULL THEN CASE WHEN contains(srcaddr, ':') THEN 6 ELSE 4 END END,
        CASE WHEN dstaddr_hi IS NOT NULL THEN CASE WHEN contains(dstaddr, ':') THEN 6 ELSE 4 END END
) AS g;
