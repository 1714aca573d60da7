-- Drops flow_store.key_id_next (see add_next_keys_column) if it is there: before an attribution
-- adds it (a run that was killed may have left it), and after one that failed.
-- Reads: nothing. Writes: flow_store (drops key_id_next). Params: none.
ALTER TABLE flow_store DROP COLUMN IF EXISTS key_id_next;
