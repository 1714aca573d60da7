-- Report `rejects`, step 2: the REJECT groups that are not internet scan noise, with the
-- interface's security groups (ids sorted, names in the same order, the id when a group is not
-- described), the protocol by name (tcp, udp, icmp, icmpv6, else its number), first_seen and
-- last_seen (unix seconds: first start, last end) and the smallest fix; most records first.
-- Reads: rejects_groups (report/rejects_groups), interface_groups, security_groups.
-- Writes: nothing. Params: none.
WITH names AS (
    SELECT
        ig.interface_id,
        list(ig.group_id ORDER BY ig.group_id) AS group_ids,
        list(coalesce(s.group_name, ig.group_id) ORDER BY ig.group_id) AS group_names
    FROM interface_groups AS ig
    LEFT JOIN security_groups AS s ON s.group_id = ig.group_id
    GROUP BY ig.interface_id
)
SELECT
    g.interface_id,
    coalesce(n.group_ids, []::VARCHAR[]) AS group_ids,
    coalesce(n.group_names, []::VARCHAR[]) AS group_names,
    g.direction,
    CASE g.protocol
        WHEN 6 THEN 'tcp'
        WHEN 17 THEN 'udp'
        WHEN 1 THEN 'icmp'
        WHEN 58 THEN 'icmpv6'
        ELSE CAST(g.protocol AS VARCHAR)
    END AS protocol,
    g.port,
    g.remote_address,
    g.remote_class,
    g.remote_interface,
    g.verdict,
    g.reason,
    g.records,
    g.first_seen,
    g.last_seen,
    g.smallest_fix
FROM rejects_groups AS g
LEFT JOIN names AS n ON n.interface_id = g.interface_id
WHERE NOT g.noise
ORDER BY
    g.records DESC,
    g.interface_id,
    g.direction,
    g.protocol,
    g.port,
    g.remote_address,
    g.verdict,
    g.reason;
