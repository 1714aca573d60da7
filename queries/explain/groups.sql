-- Explain: the security groups attached to an interface, by group id, with their names (NULL for
-- a group that is not in the snapshot).
-- Reads: interface_groups, security_groups. Writes: nothing. Params: $interface_id.
SELECT DISTINCT
    ig.group_id,
    g.group_name
FROM interface_groups AS ig
LEFT JOIN security_groups AS g ON g.group_id = ig.group_id
WHERE ig.interface_id = $interface_id
ORDER BY ig.group_id;
