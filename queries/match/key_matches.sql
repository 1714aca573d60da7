-- Attribution, step 4: the rules that match each key, on both sides. 'req': rules of the key's
-- own direction with port = dstport; 'rev': rules of the opposite direction with port = srcport
-- (the reverse of the record), same remote address. Only the rules of the security groups
-- attached to the key's interface count (a union, no order). A rule matches when its protocol is
-- -1 or the record's; TCP and UDP rules also need the port inside [from_port, to_port] (absent or
-- -1: every port; a record without a port matches only every-port rules); other protocols,
-- ICMP and ICMPv6 included, match on the protocol alone (flow logs carry no ICMP type or code).
-- Reads: key_directions, interface_groups, rules, remote_peers. Writes: temp table key_matches.
-- Params: none.
CREATE OR REPLACE TEMP TABLE key_matches AS
WITH sides AS (
    SELECT key_id, 'req' AS side, direction AS rule_direction, dstport AS port
    FROM key_directions
    WHERE direction IS NOT NULL
    UNION ALL
    SELECT
        key_id,
        'rev' AS side,
        CASE direction WHEN 'ingress' THEN 'egress' ELSE 'ingress' END AS rule_direction,
        srcport AS port
    FROM key_directions
    WHERE direction IS NOT NULL
)
SELECT DISTINCT
    s.key_id,
    s.side,
    r.rule_id
FROM sides AS s
JOIN key_directions AS d ON d.key_id = s.key_id
JOIN interface_groups AS ig ON ig.interface_id = d.interface_id
JOIN rules AS r ON r.group_id = ig.group_id AND r.direction = s.rule_direction
JOIN remote_peers AS p
    ON p.rule_id = r.rule_id
    AND p.family = d.remote_family
    AND p.hi = d.remote_hi
    AND p.lo = d.remote_lo
WHERE
    (r.protocol = -1 OR r.protocol = d.protocol)
    AND (
        r.protocol NOT IN (6, 17)
        OR r.from_port IS NULL
        OR r.from_port = -1
        OR (r.from_port <= 0 AND r.to_port >= 65535)
        OR s.port BETWEEN r.from_port AND r.to_port
    );
