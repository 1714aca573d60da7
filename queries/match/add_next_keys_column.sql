-- Attribution, step 8 (DuckDB): the column key_id_next of flow_store, NULL in every row, where
-- match/assign_keys writes every record's new key slice by slice, each slice committed on its own
-- (so that DuckDB holds the updated rows' versions of one slice at a time, not of every record);
-- key_id, which the view `flows` joins, keeps the keys of the last attribution until the final
-- transaction renames this column to key_id (match/drop_keys_column, rename_next_keys_column).
-- A failed attribution drops it again (drop_next_keys_column).
-- Reads: nothing. Writes: flow_store (adds key_id_next). Params: none.
ALTER TABLE flow_store ADD COLUMN key_id_next BIGINT;
