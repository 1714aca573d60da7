-- The network ACL decision for one packet, the semantics of nacl/key_nacl for a single case: the
-- ACL of subnet $subnet_id (its association, else the default ACL of the VPC of the interfaces in
-- that subnet); its outbound entries when $egress, else its inbound ones; the first entry in
-- rule_number order whose CIDR (same family $family) holds the remote address ($hi, $lo), whose
-- protocol is -1 or $protocol, and, for TCP and UDP entries with a port range, whose range holds
-- $port (NULL $port: only every-port entries). No entry matches: the `*` rule (32767 for IPv4,
-- 32768 for IPv6) denies, listed = false. No row when the subnet has no ACL in the snapshot.
-- Reads: nacls, nacl_associations, interfaces. Writes: nothing.
-- Params: $subnet_id, $egress, $protocol, $port, $family, $hi, $lo.
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
matching AS (
    SELECT
        n.rule_number,
        n.rule_action,
        n.cidr,
        n.protocol,
        n.from_port,
        n.to_port,
        n.icmp_type,
        n.icmp_code,
        row_number() OVER (ORDER BY n.rule_number, n.cidr) AS pos
    FROM acl AS a
    JOIN nacls AS n
        ON n.acl_id = a.acl_id
        AND n.egress = $egress
        AND n.family = $family
        AND $hi BETWEEN n.first_hi AND n.last_hi
        AND $lo BETWEEN n.first_lo AND n.last_lo
    WHERE
        (n.protocol = -1 OR n.protocol = $protocol)
        AND (
            n.protocol NOT IN (6, 17)
            OR n.from_port IS NULL
            OR n.from_port = -1
            OR (n.from_port <= 0 AND n.to_port >= 65535)
            OR $port BETWEEN n.from_port AND n.to_port
        )
)
SELECT
    a.acl_id,
    a.associated,
    (SELECT bool_or(n.is_default) FROM nacls AS n WHERE n.acl_id = a.acl_id) AS is_default,
    coalesce(m.rule_number, CASE $family WHEN 6 THEN 32768 ELSE 32767 END) AS rule_number,
    coalesce(m.rule_action, 'deny') AS rule_action,
    m.rule_number IS NOT NULL AS listed,
    m.cidr,
    m.protocol,
    m.from_port,
    m.to_port,
    m.icmp_type,
    m.icmp_code
FROM acl AS a
LEFT JOIN matching AS m ON m.pos = 1
WHERE a.acl_id IS NOT NULL;
