-- HTML report summary: what the snapshot holds and how much of it the logs cover. interfaces:
-- the snapshot's network interfaces; attached: those with at least one security group;
-- attached_logging: those of them that appear in the logs (any record, NODATA and SKIPDATA
-- included); logged: distinct interfaces in the logs; logged_unknown: those of them the snapshot
-- does not hold; security_groups, rules, prefix_lists: the snapshot's counts.
-- Reads: interfaces, interface_groups, flow_records, security_groups, rules, prefix_lists.
-- Writes: nothing. Params: none.
WITH attached AS (
    SELECT DISTINCT interface_id FROM interface_groups
),
logged AS (
    SELECT DISTINCT interface_id FROM flow_records WHERE interface_id IS NOT NULL
)
SELECT
    (SELECT count(*) FROM interfaces) AS interfaces,
    (SELECT count(*) FROM attached) AS attached,
    (
        SELECT count(*)
        FROM attached AS a
        WHERE EXISTS (SELECT 1 FROM logged AS l WHERE l.interface_id = a.interface_id)
    ) AS attached_logging,
    (SELECT count(*) FROM logged) AS logged,
    (
        SELECT count(*)
        FROM logged AS l
        WHERE NOT EXISTS (SELECT 1 FROM interfaces AS i WHERE i.interface_id = l.interface_id)
    ) AS logged_unknown,
    (SELECT count(*) FROM security_groups) AS security_groups,
    (SELECT count(*) FROM rules) AS rules,
    (SELECT count(*) FROM prefix_lists) AS prefix_lists;
