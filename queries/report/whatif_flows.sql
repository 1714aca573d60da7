-- What-if: the observed `allowed` records that would lose every permitting rule if the rules in
-- $remove (a list of rule ids) were removed: those whose matched_rule_ids are all in $remove.
-- Grouped by interface, direction, remote address (srcaddr for ingress, dstaddr for egress),
-- protocol and port (the request's destination port; NULL for protocols without ports), with
-- records, packets, bytes, first start and last end (unix seconds) and the removed rules they
-- depended on; in order of interface, direction, remote address (numerically), protocol, port.
-- Two rules that cover each other: the records that need at least one of them.
-- Reads: flows. Writes: nothing. Params: $remove.
SELECT
    f.interface_id,
    f.direction,
    CASE f.direction WHEN 'ingress' THEN f.srcaddr ELSE f.dstaddr END AS remote_address,
    f.protocol,
    CASE WHEN f.protocol IN (6, 17) THEN f.dstport END AS port,
    count(*) AS records,
    CAST(sum(coalesce(f.packets, 0)) AS BIGINT) AS packets,
    CAST(sum(coalesce(f.bytes, 0)) AS BIGINT) AS bytes,
    min(f."start") AS first_seen,
    max(f."end") AS last_seen,
    list_sort(list_distinct(flatten(list(f.matched_rule_ids)))) AS rules
FROM flows AS f
WHERE
    f.verdict = 'allowed'
    AND len(f.matched_rule_ids) > 0
    AND list_has_all(CAST($remove AS VARCHAR[]), f.matched_rule_ids)
GROUP BY
    f.interface_id,
    f.direction,
    CASE f.direction WHEN 'ingress' THEN f.srcaddr ELSE f.dstaddr END,
    f.protocol,
    CASE WHEN f.protocol IN (6, 17) THEN f.dstport END
ORDER BY
    f.interface_id,
    f.direction,
    min(CASE f.direction WHEN 'ingress' THEN f.srcaddr_hi ELSE f.dstaddr_hi END),
    min(CASE f.direction WHEN 'ingress' THEN f.srcaddr_lo ELSE f.dstaddr_lo END),
    remote_address,
    f.protocol,
    port;
