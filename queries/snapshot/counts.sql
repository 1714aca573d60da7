-- Counts the rows of the snapshot's main tables, for the result of load_snapshot.
-- Reads: security_groups, rules, interfaces, addresses, prefix_lists, prefix_list_entries, nacls.
-- Writes: nothing. Params: none.
SELECT
    (SELECT count(*) FROM security_groups) AS groups,
    (SELECT count(*) FROM rules) AS rules,
    (SELECT count(*) FROM interfaces) AS interfaces,
    (SELECT count(*) FROM addresses) AS addresses,
    (SELECT count(*) FROM prefix_lists) AS prefix_lists,
    (SELECT count(*) FROM prefix_list_entries) AS prefix_list_entries,
    (SELECT count(*) FROM nacls) AS nacl_entries;
