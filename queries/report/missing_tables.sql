-- Reports: the tables (and the column flows.matched_rule_ids) that `flowsg analyze` leaves and
-- every report reads, which this database lacks; no row when it has them all.
-- Reads: information_schema.tables, information_schema.columns. Writes: nothing. Params: none.
SELECT needed.name
FROM (
    VALUES
        ('flows'),
        ('rules'),
        ('rule_peers'),
        ('rule_usage'),
        ('security_groups'),
        ('interfaces'),
        ('interface_groups'),
        ('addresses'),
        ('prefix_lists'),
        ('prefix_list_entries')
) AS needed(name)
WHERE NOT EXISTS (
    SELECT 1 FROM information_schema.tables AS t WHERE t.table_name = needed.name
)
UNION ALL
SELECT 'flows.matched_rule_ids' AS name
WHERE
    EXISTS (SELECT 1 FROM information_schema.tables AS t WHERE t.table_name = 'flows')
    AND NOT EXISTS (
        SELECT 1
        FROM information_schema.columns AS c
        WHERE c.table_name = 'flows' AND c.column_name = 'matched_rule_ids'
    );
