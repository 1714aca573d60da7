-- Creates `rule_peers`, every address range a rule's peer covers: a CIDR rule its CIDR; a prefix-
-- list rule each entry of the list; a security-group rule each address (primary and secondary
-- IPv4, delegated prefixes, IPv6) of every interface that has the referenced group attached, in
-- any VPC. Unresolvable rules get no rows.
-- Reads: rules, snapshot_src_rule_cidrs (Arrow, registered by flowsg.snapshot),
--   prefix_list_entries, interface_groups, addresses.
-- Writes: table rule_peers. Params: none.
CREATE OR REPLACE TABLE rule_peers AS
SELECT DISTINCT rule_id, family, first_hi, first_lo, last_hi, last_lo
FROM (
    SELECT
        CAST(c.rule_id AS VARCHAR) AS rule_id,
        CAST(c.family AS INTEGER) AS family,
        CAST(c.first_hi AS BIGINT) AS first_hi,
        CAST(c.first_lo AS BIGINT) AS first_lo,
        CAST(c.last_hi AS BIGINT) AS last_hi,
        CAST(c.last_lo AS BIGINT) AS last_lo
    FROM snapshot_src_rule_cidrs AS c
    JOIN rules AS r ON r.rule_id = c.rule_id AND r.peer_kind IN ('cidr4', 'cidr6')
    UNION ALL
    SELECT r.rule_id, e.family, e.first_hi, e.first_lo, e.last_hi, e.last_lo
    FROM rules AS r
    JOIN prefix_list_entries AS e ON e.prefix_list_id = r.peer
    WHERE r.peer_kind = 'prefix_list' AND r.resolvable
    UNION ALL
    SELECT r.rule_id, a.family, a.first_hi, a.first_lo, a.last_hi, a.last_lo
    FROM rules AS r
    JOIN interface_groups AS m ON m.group_id = r.peer
    JOIN addresses AS a ON a.interface_id = m.interface_id
    WHERE r.peer_kind = 'security_group' AND r.resolvable
) AS peers
ORDER BY rule_id, family, first_hi, first_lo, last_hi, last_lo;
