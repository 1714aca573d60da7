-- What-if: the observed `allowed` records that would lose every permitting rule if the rules in
-- $remove (a list of rule ids) were removed: those whose matched_rule_ids are all in $remove.
-- Grouped by interface, direction, remote address (srcaddr for ingress, dstaddr for egress),
-- protocol and port (the request's destination port; NULL for protocols without ports), with
-- records, packets, bytes, first start and last end (unix seconds) and the removed rules they
-- depended on; in order of interface, direction, remote address (numerically), protocol, port.
-- Two rules that cover each other: the records that need at least one of them.
-- The rule lists are tested once per attribution key (flow_verdicts), not once per record, and
-- the records of those keys are grouped before their lists are joined back.
-- Reads: flow_records, flow_verdicts (the tables behind the view `flows`). Writes: nothing.
-- Params: $remove.
WITH lost AS (
    SELECT v.key_id, v.direction, v.matched_rule_ids
    FROM flow_verdicts AS v
    WHERE
        v.verdict = 'allowed'
        AND len(v.matched_rule_ids) > 0
        AND list_has_all(CAST($remove AS VARCHAR[]), v.matched_rule_ids)
),
per_key AS (
    SELECT
        f.key_id,
        f.interface_id,
        f.flow_direction,
        f.srcaddr,
        f.dstaddr,
        f.protocol,
        f.dstport,
        -- an address's text fixes its number: any row of the group has the same
        any_value(f.srcaddr_hi) AS srcaddr_hi,
        any_value(f.srcaddr_lo) AS srcaddr_lo,
        any_value(f.dstaddr_hi) AS dstaddr_hi,
        any_value(f.dstaddr_lo) AS dstaddr_lo,
        count(*) AS records,
        sum(coalesce(f.packets, 0)) AS packets,
        sum(coalesce(f.bytes, 0)) AS bytes,
        min(f."start") AS first_seen,
        max(f."end") AS last_seen
    FROM flow_records AS f
    WHERE f.key_id IN (SELECT l.key_id FROM lost AS l)
    GROUP BY
        f.key_id, f.interface_id, f.flow_direction, f.srcaddr, f.dstaddr, f.protocol, f.dstport
),
directed AS (
    SELECT
        p.*,
        coalesce(p.flow_direction, l.direction) AS direction,
        l.matched_rule_ids
    FROM per_key AS p
    JOIN lost AS l ON l.key_id = p.key_id
)
SELECT
    d.interface_id,
    d.direction,
    CASE d.direction WHEN 'ingress' THEN d.srcaddr ELSE d.dstaddr END AS remote_address,
    d.protocol,
    CASE WHEN d.protocol IN (6, 17) THEN d.dstport END AS port,
    CAST(sum(d.records) AS BIGINT) AS records,
    CAST(sum(d.packets) AS BIGINT) AS packets,
    CAST(sum(d.bytes) AS BIGINT) AS bytes,
    min(d.first_seen) AS first_seen,
    max(d.last_seen) AS last_seen,
    list_sort(list_distinct(flatten(list(d.matched_rule_ids)))) AS rules
FROM directed AS d
GROUP BY
    d.interface_id,
    d.direction,
    CASE d.direction WHEN 'ingress' THEN d.srcaddr ELSE d.dstaddr END,
    d.protocol,
    CASE WHEN d.protocol IN (6, 17) THEN d.dstport END
ORDER BY
    d.interface_id,
    d.direction,
    min(CASE d.direction WHEN 'ingress' THEN d.srcaddr_hi ELSE d.dstaddr_hi END),
    min(CASE d.direction WHEN 'ingress' THEN d.srcaddr_lo ELSE d.dstaddr_lo END),
    remote_address,
    d.protocol,
    port;
