-- HTML report and graph: every security group, of security_groups and those only named by rules
-- (a group the snapshot lists no details of), with its name, description, VPC, owner account and
-- Name tag; ordered by name (NULL last), then id.
-- Reads: security_groups, rules. Writes: nothing. Params: none.
WITH ids AS (
    SELECT group_id FROM security_groups
    UNION
    SELECT group_id FROM rules
)
SELECT
    i.group_id,
    coalesce(s.group_name, (SELECT max(r.group_name) FROM rules AS r WHERE r.group_id = i.group_id))
        AS group_name,
    s.description,
    s.vpc_id,
    s.owner_id,
    s.name_tag
FROM ids AS i
LEFT JOIN security_groups AS s ON s.group_id = i.group_id
ORDER BY group_name NULLS LAST, i.group_id;
