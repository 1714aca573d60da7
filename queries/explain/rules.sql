-- Explain: every rule in direction $direction of the security groups attached to $interface_id,
-- and which of the matching conditions of the engine (match/key_matches) it meets for a packet
-- with protocol $protocol, port $port and remote address ($family, $hi, $lo): protocol_match (the
-- rule's protocol is -1 or $protocol), port_match (not TCP/UDP, every port, or $port inside
-- [from_port, to_port]; a NULL $port only every-port rules), peer_match (one of the rule's
-- ranges in rule_peers holds the address: CIDR of the same family, prefix-list entry, address of
-- an interface in the referenced group). A rule allows the packet when all three hold.
-- Reads: interface_groups, rules, rule_peers. Writes: nothing.
-- Params: $interface_id, $direction, $protocol, $port, $family, $hi, $lo.
SELECT
    r.rule_id,
    r.group_id,
    r.group_name,
    r.direction,
    r.protocol,
    r.from_port,
    r.to_port,
    r.peer_kind,
    r.peer,
    r.description,
    r.resolvable,
    (r.protocol = -1 OR r.protocol = $protocol) AS protocol_match,
    coalesce(
        r.protocol NOT IN (6, 17)
        OR r.from_port IS NULL
        OR r.from_port = -1
        OR (r.from_port <= 0 AND r.to_port >= 65535)
        OR $port BETWEEN r.from_port AND r.to_port,
        FALSE
    ) AS port_match,
    EXISTS (
        SELECT 1
        FROM rule_peers AS p
        WHERE
            p.rule_id = r.rule_id
            AND p.family = $family
            AND $hi BETWEEN p.first_hi AND p.last_hi
            AND $lo BETWEEN p.first_lo AND p.last_lo
    ) AS peer_match
FROM rules AS r
WHERE
    r.direction = $direction
    AND r.group_id IN (
        SELECT ig.group_id FROM interface_groups AS ig WHERE ig.interface_id = $interface_id
    )
ORDER BY r.group_id, r.rule_id;
