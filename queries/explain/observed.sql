-- Explain: the analysed records of one connection, both ways: leg 'request' (srcaddr = source,
-- dstaddr = destination, dstport = $port) and leg 'reply' (the reverse, srcport = $port); for
-- protocols other than TCP and UDP the ports are ignored. Addresses are compared in numeric form
-- and by family (the text's family, as in match/flow_keys). Grouped by interface, direction, leg,
-- action, verdict and reason, with records, packets, bytes and the first start and last end
-- (unix seconds).
-- Reads: flows. Writes: nothing.
-- Params: $protocol, $port, $src_family, $src_hi, $src_lo, $dst_family, $dst_hi, $dst_lo.
WITH legs AS (
    SELECT
        f.*,
        CASE
            WHEN f.srcaddr_hi = $src_hi AND f.srcaddr_lo = $src_lo
                AND f.dstaddr_hi = $dst_hi AND f.dstaddr_lo = $dst_lo
                AND (CASE WHEN contains(f.srcaddr, ':') THEN 6 ELSE 4 END) = $src_family
                AND (CASE WHEN contains(f.dstaddr, ':') THEN 6 ELSE 4 END) = $dst_family
                AND ($protocol NOT IN (6, 17) OR f.dstport = $port)
                THEN 'request'
            WHEN f.srcaddr_hi = $dst_hi AND f.srcaddr_lo = $dst_lo
                AND f.dstaddr_hi = $src_hi AND f.dstaddr_lo = $src_lo
                AND (CASE WHEN contains(f.srcaddr, ':') THEN 6 ELSE 4 END) = $dst_family
                AND (CASE WHEN contains(f.dstaddr, ':') THEN 6 ELSE 4 END) = $src_family
                AND ($protocol NOT IN (6, 17) OR f.srcport = $port)
                THEN 'reply'
        END AS leg
    FROM flows AS f
    WHERE
        f.protocol = $protocol
        AND (
            (f.srcaddr_hi = $src_hi AND f.srcaddr_lo = $src_lo)
            OR (f.srcaddr_hi = $dst_hi AND f.srcaddr_lo = $dst_lo)
        )
)
SELECT
    leg,
    interface_id,
    direction,
    action,
    verdict,
    reason,
    count(*) AS records,
    CAST(sum(coalesce(packets, 0)) AS BIGINT) AS packets,
    CAST(sum(coalesce(bytes, 0)) AS BIGINT) AS bytes,
    min("start") AS first_seen,
    max("end") AS last_seen
FROM legs
WHERE leg IS NOT NULL
GROUP BY leg, interface_id, direction, action, verdict, reason
ORDER BY
    CASE leg WHEN 'request' THEN 0 ELSE 1 END,
    min("start"),
    interface_id,
    direction,
    action,
    verdict;
