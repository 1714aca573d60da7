-- The final transaction of an attribution, second step: the new keys (key_id_next, written by
-- match/assign_keys) become flow_store.key_id, which the view `flows` joins to flow_verdicts.
-- Reads: nothing. Writes: flow_store (renames key_id_next to key_id). Params: none.
ALTER TABLE flow_store RENAME COLUMN key_id_next TO key_id;
