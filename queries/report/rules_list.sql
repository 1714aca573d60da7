-- Report rules: the rules to report, one row per rule, with its group, what it allows, whether its
-- peer resolves, how many interfaces its group is attached to and whether one of them belongs to
-- a load balancer (an ELB interface: description 'ELB …', or a load-balancer interface type).
-- $group keeps the rules of that group; $interface the rules of the groups attached to that
-- interface; NULL keeps every rule. Ordered by security group (name, then id), ingress before
-- egress, then rule id.
-- Reads: rules, interface_groups, interfaces. Writes: nothing. Params: $group, $interface.
WITH members AS (
    SELECT
        ig.group_id,
        count(*) AS interfaces,
        bool_or(
            coalesce(i.description, '') LIKE 'ELB %'
            OR coalesce(i."type", '') LIKE '%load_balancer%'
        ) AS load_balancer
    FROM interface_groups AS ig
    LEFT JOIN interfaces AS i ON i.interface_id = ig.interface_id
    GROUP BY ig.group_id
)
SELECT
    r.group_id,
    r.group_name,
    r.rule_id,
    r.direction,
    r.protocol,
    r.from_port,
    r.to_port,
    r.peer_kind,
    r.peer,
    r.peer_account,
    r.description,
    r.resolvable,
    coalesce(m.interfaces, 0) AS interfaces,
    coalesce(m.load_balancer, FALSE) AS load_balancer
FROM rules AS r
LEFT JOIN members AS m ON m.group_id = r.group_id
WHERE
    ($group IS NULL OR r.group_id = $group)
    AND (
        $interface IS NULL
        OR r.group_id IN (SELECT g.group_id FROM interface_groups AS g WHERE g.interface_id = $interface)
    )
ORDER BY r.group_name NULLS LAST, r.group_id, r.direction DESC, r.rule_id;
