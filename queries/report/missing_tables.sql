-- Reports: the tables (and the column flows.matched_rule_ids) that `flowsg analyze` leaves and
-- the reports read, which this database lacks; no row when it has them all. flow_records and
-- flow_verdicts are behind the view flows; reports that need no verdict, or one per key, read
-- them directly (a database of an early development version had flows alone, as a table).
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
        ('prefix_list_entries'),
        ('flow_records'),
        ('flow_verdicts')
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
