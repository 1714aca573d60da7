-- Attribution, step 4: the rules that match each key, on both sides. 'req': rules of the key's
-- own direction with port = dstport; 'rev': rules of the opposite direction with port = srcport
-- (the reverse of the record), same remote address; a port stands for its class (port_class_list),
-- which lies inside exactly the same ranges. Only the rules of the security groups
-- attached to the key's interface count (a union, no order). A rule matches when its protocol is
-- -1 or the record's; TCP and UDP rules also need the port inside [from_port, to_port] (absent or
-- -1: every port; a record without a port matches only every-port rules); other protocols,
-- ICMP and ICMPv6 included, match on the protocol alone (flow logs carry no ICMP type or code).
-- To stay small, the peers are matched first per distinct (interface, direction, remote address)
-- (far fewer than keys, since ports vary); then each key is joined to those rules on every column
-- the rule's kind allows as an equality (protocol, single port), so no key meets every rule.
-- Reads: key_directions, interface_groups, rules, remote_peers. Writes: temp table key_matches.
-- Params: none.
CREATE OR REPLACE TEMP TABLE key_matches AS
WITH sides AS (
    SELECT
        key_id,
        'req' AS side,
        interface_id,
        direction AS rule_direction,
        protocol,
        dstport_class AS port,
        remote_family,
        remote_hi,
        remote_lo
    FROM key_directions
    WHERE direction IS NOT NULL AND remote_hi IS NOT NULL
    UNION ALL
    SELECT
        key_id,
        'rev' AS side,
        interface_id,
        CASE direction WHEN 'ingress' THEN 'egress' ELSE 'ingress' END AS rule_direction,
        protocol,
        srcport_class AS port,
        remote_family,
        remote_hi,
        remote_lo
    FROM key_directions
    WHERE direction IS NOT NULL AND remote_hi IS NOT NULL
),
remotes AS (
    SELECT DISTINCT interface_id, rule_direction, remote_family, remote_hi, remote_lo
    FROM sides
),
remote_rules AS (
    -- the interface's rules of that direction whose peer holds the remote address, sorted by how
    -- their ports are checked: 'all' (protocol -1), 'protocol' (any port of one protocol: every
    -- protocol but TCP and UDP, or a TCP/UDP rule over all ports), 'port' (one TCP/UDP port),
    -- 'range' (a TCP/UDP port range); each kind is then joined on what it can use as a key
    SELECT
        m.interface_id,
        m.rule_direction,
        m.remote_family,
        m.remote_hi,
        m.remote_lo,
        r.rule_id,
        r.protocol,
        r.from_port,
        r.to_port,
        CASE
            WHEN r.protocol = -1 THEN 'all'
            WHEN r.protocol NOT IN (6, 17)
                OR r.from_port IS NULL
                OR r.from_port = -1
                OR (r.from_port <= 0 AND r.to_port >= 65535) THEN 'protocol'
            WHEN r.from_port = r.to_port THEN 'port'
            ELSE 'range'
        END AS kind
    FROM remotes AS m
    JOIN remote_peers AS p
        ON p.family = m.remote_family
        AND p.hi = m.remote_hi
        AND p.lo = m.remote_lo
    JOIN rules AS r ON r.rule_id = p.rule_id AND r.direction = m.rule_direction
    JOIN interface_groups AS ig ON ig.group_id = r.group_id AND ig.interface_id = m.interface_id
),
matched AS (
    SELECT s.key_id, s.side, rr.rule_id
    FROM sides AS s
    JOIN remote_rules AS rr
        ON rr.kind = 'all'
        AND rr.interface_id = s.interface_id
        AND rr.rule_direction = s.rule_direction
        AND rr.remote_family = s.remote_family
        AND rr.remote_hi = s.remote_hi
        AND rr.remote_lo = s.remote_lo
    UNION ALL
    SELECT s.key_id, s.side, rr.rule_id
    FROM sides AS s
    JOIN remote_rules AS rr
        ON rr.kind = 'protocol'
        AND rr.interface_id = s.interface_id
        AND rr.rule_direction = s.rule_direction
        AND rr.remote_family = s.remote_family
        AND rr.remote_hi = s.remote_hi
        AND rr.remote_lo = s.remote_lo
        AND rr.protocol = s.protocol
    UNION ALL
    SELECT s.key_id, s.side, rr.rule_id
    FROM sides AS s
    JOIN remote_rules AS rr
        ON rr.kind = 'port'
        AND rr.interface_id = s.interface_id
        AND rr.rule_direction = s.rule_direction
        AND rr.remote_family = s.remote_family
        AND rr.remote_hi = s.remote_hi
        AND rr.remote_lo = s.remote_lo
        AND rr.protocol = s.protocol
        AND rr.from_port = s.port
    UNION ALL
    SELECT s.key_id, s.side, rr.rule_id
    FROM sides AS s
    JOIN remote_rules AS rr
        ON rr.kind = 'range'
        AND rr.interface_id = s.interface_id
        AND rr.rule_direction = s.rule_direction
        AND rr.remote_family = s.remote_family
        AND rr.remote_hi = s.remote_hi
        AND rr.remote_lo = s.remote_lo
        AND rr.protocol = s.protocol
    WHERE s.port BETWEEN rr.from_port AND rr.to_port
)
SELECT DISTINCT key_id, side, rule_id
FROM matched;
