-- Report rules: the names of security groups (with how many interfaces each is attached to) and
-- of prefix lists, to show next to their ids and to pick the smallest group to reference.
-- Reads: security_groups, interface_groups, prefix_lists. Writes: nothing. Params: none.
SELECT
    s.group_id AS id,
    s.group_name AS name,
    CAST((SELECT count(*) FROM interface_groups AS g WHERE g.group_id = s.group_id) AS BIGINT)
        AS interfaces
FROM security_groups AS s
UNION ALL
SELECT prefix_list_id AS id, name, CAST(NULL AS BIGINT) AS interfaces
FROM prefix_lists
ORDER BY id;
