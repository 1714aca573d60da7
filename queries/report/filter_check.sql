-- Every report: whether the filters name things the snapshot knows: the group
-- ($group, a group of security_groups or of rules) and the interface ($interface, in interfaces).
-- A NULL filter counts as known.
-- Reads: security_groups, rules, interfaces. Writes: nothing. Params: $group, $interface.
SELECT
    $group IS NULL
    OR EXISTS (SELECT 1 FROM security_groups AS s WHERE s.group_id = $group)
    OR EXISTS (SELECT 1 FROM rules AS r WHERE r.group_id = $group) AS group_known,
    $interface IS NULL
    OR EXISTS (SELECT 1 FROM interfaces AS i WHERE i.interface_id = $interface) AS interface_known;
