-- The network ACL decisions for one packet over a range of destination ports
-- [$port_lo, $port_hi] (one port, or none: both NULL; or the return path's ephemeral ports): the same ACL, entries and first-match
-- semantics as nacl/key_nacl, evaluated at every port where the first matching entry can change
-- ($port_lo and the start and end + 1 of each candidate entry's port range). One row per piece of
-- the range, in port order: seg_lo, seg_hi and the deciding entry (no entry: the `*` rule, 32767
-- for IPv4, 32768 for IPv6, denies, listed = false). No rows when the subnet has no ACL.
-- Reads: nacls, nacl_associations, interfaces. Writes: nothing.
-- Params: $subnet_id, $egress, $protocol, $port_lo, $port_hi, $family, $hi, $lo.
WITH acl AS (
    SELECT
        coalesce(
            (SELECT min(s.acl_id) FROM nacl_associations AS s WHERE s.subnet_id = $subnet_id),
            (
                SELECT min(n.acl_id)
                FROM nacls AS n
                WHERE
                    n.is_default
                    AND n.vpc_id IN (
                        SELECT i.vpc_id FROM interfaces AS i WHERE i.subnet_id = $subnet_id
                    )
            )
        ) AS acl_id,
        EXISTS (SELECT 1 FROM nacl_associations AS s WHERE s.subnet_id = $subnet_id) AS associated
),
entries AS (
    SELECT
        a.acl_id,
        n.rule_number,
        n.rule_action,
        n.cidr,
        n.protocol,
        n.from_port,
        n.to_port,
        n.icmp_type,
        n.icmp_code,
        (
            n.protocol NOT IN (6, 17)
            OR n.from_port IS NULL
            OR n.from_port = -1
            OR (n.from_port <= 0 AND n.to_port >= 65535)
        ) AS every_port
    FROM acl AS a
    JOIN nacls AS n
        ON n.acl_id = a.acl_id
        AND n.egress = $egress
        AND n.family = $family
        AND $hi BETWEEN n.first_hi AND n.last_hi
        AND $lo BETWEEN n.first_lo AND n.last_lo
    WHERE n.protocol = -1 OR n.protocol = $protocol
),
points AS (
    SELECT CAST($port_lo AS INTEGER) AS port
    FROM acl
    WHERE acl_id IS NOT NULL
    UNION
    SELECT from_port
    FROM entries
    WHERE NOT every_port AND from_port > $port_lo AND from_port <= $port_hi
    UNION
    SELECT to_port + 1
    FROM entries
    WHERE NOT every_port AND to_port + 1 > $port_lo AND to_port + 1 <= $port_hi
),
pieces AS (
    SELECT
        port AS seg_lo,
        coalesce(lead(port) OVER (ORDER BY port) - 1, CAST($port_hi AS INTEGER)) AS seg_hi
    FROM points
),
decided AS (
    SELECT
        p.seg_lo,
        p.seg_hi,
        e.rule_number,
        e.rule_action,
        e.cidr,
        e.protocol,
        e.from_port,
        e.to_port,
        e.icmp_type,
        e.icmp_code,
        row_number() OVER (PARTITION BY p.seg_lo ORDER BY e.rule_number, e.cidr) AS pos
    FROM pieces AS p
    LEFT JOIN entries AS e ON e.every_port OR p.seg_lo BETWEEN e.from_port AND e.to_port
)
SELECT
    (SELECT acl_id FROM acl) AS acl_id,
    (SELECT associated FROM acl) AS associated,
    (
        SELECT bool_or(n.is_default) FROM nacls AS n WHERE n.acl_id = (SELECT acl_id FROM acl)
    ) AS is_default,
    d.seg_lo,
    d.seg_hi,
    coalesce(d.rule_number, CASE $family WHEN 6 THEN 32768 ELSE 32767 END) AS rule_number,
    coalesce(d.rule_action, 'deny') AS rule_action,
    d.rule_number IS NOT NULL AS listed,
    d.cidr,
    d.protocol,
    d.from_port,
    d.to_port,
    d.icmp_type,
    d.icmp_code
FROM decided AS d
WHERE d.pos = 1
ORDER BY d.seg_lo;
