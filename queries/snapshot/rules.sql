-- Creates `rules`, one row per security-group rule, with its group's name and VPC, and whether its
-- peer can be resolved to addresses: a referenced group must be in security_groups, a prefix list
-- must have entries loaded; a CIDR always can.
-- Reads: snapshot_src_rules (Arrow, registered by flowsg.snapshot), security_groups,
--   prefix_list_entries.
-- Writes: table rules. Params: none.
CREATE OR REPLACE TABLE rules AS
SELECT
    CAST(r.rule_id AS VARCHAR) AS rule_id,
    CAST(r.group_id AS VARCHAR) AS group_id,
    g.group_name,
    g.vpc_id,
    CAST(r.direction AS VARCHAR) AS direction,
    CAST(r.protocol AS INTEGER) AS protocol,
    CAST(r.from_port AS INTEGER) AS from_port,
    CAST(r.to_port AS INTEGER) AS to_port,
    CAST(r.peer_kind AS VARCHAR) AS peer_kind,
    CAST(r.peer AS VARCHAR) AS peer,
    CAST(r.peer_account AS VARCHAR) AS peer_account,
    CAST(r.description AS VARCHAR) AS description,
    CASE r.peer_kind
        WHEN 'security_group'
            THEN EXISTS (SELECT 1 FROM security_groups AS s WHERE s.group_id = r.peer)
        WHEN 'prefix_list'
            THEN EXISTS (SELECT 1 FROM prefix_list_entries AS e WHERE e.prefix_list_id = r.peer)
        ELSE TRUE
    END AS resolvable
FROM snapshot_src_rules AS r
LEFT JOIN security_groups AS g ON g.group_id = r.group_id
ORDER BY r.seq;
