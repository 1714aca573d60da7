-- Explain: which of the tables explain reads exist, and whether `flows` has been analysed (has the
-- column `verdict`), so that a missing snapshot or analysis is reported instead of failing.
-- Reads: information_schema.columns. Writes: nothing. Params: none.
SELECT DISTINCT
    table_name,
    column_name = 'verdict' AS is_verdict
FROM information_schema.columns
WHERE
    table_schema = 'main'
    AND table_name IN (
        'flows',
        'interfaces',
        'interface_groups',
        'addresses',
        'security_groups',
        'rules',
        'rule_peers',
        'nacls',
        'nacl_associations'
    )
ORDER BY table_name, is_verdict;
