-- Analyze summary: the most rejected destinations (interface, destination address and port,
-- protocol), with the verdict that explains them (no_rule or blocked_elsewhere).
-- Reads: flows. Writes: nothing. Params: $top (how many rows).
SELECT
    interface_id,
    dstaddr,
    dstport,
    protocol,
    verdict,
    count(*) AS records,
    count(DISTINCT srcaddr) AS sources
FROM flows
WHERE verdict IN ('no_rule', 'blocked_elsewhere')
GROUP BY interface_id, dstaddr, dstport, protocol, verdict
ORDER BY records DESC, interface_id, dstaddr, dstport
LIMIT $top;
