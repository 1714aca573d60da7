-- Attribution, network ACLs (before assign_keys): the decision for every key, as AWS evaluates ACLs: stateless,
-- per subnet, each direction on its own. The ACL is the one associated with the interface's subnet
-- (nacl_associations), else the default ACL (is_default) of the interface's VPC. A key in direction
-- ingress is judged by the inbound entries, egress by the outbound ones; an entry's CIDR is matched
-- against the remote address (IPv4 entries only for IPv4 addresses, IPv6 only for IPv6); entries
-- in rule_number order, the first match wins. An entry matches when its protocol is -1 or the
-- key's; TCP and UDP entries also need dstport (its class) inside their port range (no PortRange, -1 or
-- 0-65535: every port; a key without dstport matches only such entries); other entries (ICMP with
-- a type/code included: flow logs carry no ICMP type) match on the protocol alone. No entry
-- matches: the final `*` rule denies (32767 for IPv4, 32768 for IPv6, whether or not the snapshot
-- lists it). No row when the interface has no subnet ACL in the snapshot, when the key has no
-- direction, or when the remote address belongs to an interface of the same subnet (ACLs filter
-- only traffic crossing the subnet boundary).
-- Reads: key_directions, interfaces, addresses, nacls, nacl_associations.
-- Writes: temp table key_nacl (key_id, acl_id, rule_number, rule_action). Params: none.
CREATE OR REPLACE TEMP TABLE key_nacl AS
WITH subnet_acl AS (
    SELECT
        i.interface_id,
        i.subnet_id,
        coalesce(a.acl_id, d.acl_id) AS acl_id
    FROM interfaces AS i
    LEFT JOIN (
        SELECT subnet_id, min(acl_id) AS acl_id
        FROM nacl_associations
        GROUP BY subnet_id
    ) AS a ON a.subnet_id = i.subnet_id
    LEFT JOIN (
        SELECT vpc_id, min(acl_id) AS acl_id
        FROM nacls
        WHERE is_default
        GROUP BY vpc_id
    ) AS d ON d.vpc_id = i.vpc_id
    WHERE i.subnet_id IS NOT NULL
),
remotes AS (
    SELECT DISTINCT remote_family AS family, remote_hi AS hi, remote_lo AS lo
    FROM key_directions
    WHERE remote_hi IS NOT NULL
),
remote_subnets AS (
    SELECT DISTINCT r.family, r.hi, r.lo, o.subnet_id
    FROM remotes AS r
    JOIN addresses AS a
        ON a.family = r.family
        AND r.hi BETWEEN a.first_hi AND a.last_hi
        AND r.lo BETWEEN a.first_lo AND a.last_lo
    JOIN interfaces AS o ON o.interface_id = a.interface_id
    WHERE o.subnet_id IS NOT NULL
),
judged AS (
    SELECT
        k.key_id,
        k.protocol,
        k.dstport_class AS dstport,
        k.direction,
        k.remote_family,
        k.remote_hi,
        k.remote_lo,
        s.acl_id
    FROM key_directions AS k
    JOIN subnet_acl AS s ON s.interface_id = k.interface_id
    WHERE
        k.direction IS NOT NULL
        AND k.remote_hi IS NOT NULL
        AND s.acl_id IS NOT NULL
        AND NOT EXISTS (
            SELECT 1
            FROM remote_subnets AS rs
            WHERE
                rs.family = k.remote_family
                AND rs.hi = k.remote_hi
                AND rs.lo = k.remote_lo
                AND rs.subnet_id = s.subnet_id
        )
),
matching AS (
    SELECT
        j.key_id,
        n.rule_number,
        n.rule_action,
        row_number() OVER (PARTITION BY j.key_id ORDER BY n.rule_number, n.cidr) AS pos
    FROM judged AS j
    JOIN nacls AS n
        ON n.acl_id = j.acl_id
        AND n.egress = (j.direction = 'egress')
        AND n.family = j.remote_family
        AND j.remote_hi BETWEEN n.first_hi AND n.last_hi
        AND j.remote_lo BETWEEN n.first_lo AND n.last_lo
    WHERE
        (n.protocol = -1 OR n.protocol = j.protocol)
        AND (
            n.protocol NOT IN (6, 17)
            OR n.from_port IS NULL
            OR n.from_port = -1
            OR (n.from_port <= 0 AND n.to_port >= 65535)
            OR j.dstport BETWEEN n.from_port AND n.to_port
        )
)
SELECT
    j.key_id,
    j.acl_id,
    coalesce(m.rule_number, CASE j.remote_family WHEN 6 THEN 32768 ELSE 32767 END) AS rule_number,
    coalesce(m.rule_action, 'deny') AS rule_action
FROM judged AS j
LEFT JOIN matching AS m ON m.key_id = j.key_id AND m.pos = 1;
