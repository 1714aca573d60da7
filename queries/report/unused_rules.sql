-- Analyze summary: the rules no record used (no `allowed` and no `return` record matched them).
-- Reads: rule_usage. Writes: nothing. Params: none.
SELECT rule_id, group_id, group_name, direction, protocol, from_port, to_port, peer_kind, peer,
    resolvable
FROM rule_usage
WHERE hits = 0 AND return_hits = 0
ORDER BY group_id, direction, rule_id;
