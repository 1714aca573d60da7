-- The end of flow_store's row numbers (its largest rowid + 1; 0 when it is empty), which
-- match/assign_keys.sql updates slice by slice. DuckDB-only: rowid.
-- Reads: flow_store. Writes: nothing. Params: none.
SELECT coalesce(max(rowid) + 1, 0) AS end_row
FROM flow_store;
