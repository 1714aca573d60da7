-- The final transaction of an attribution, first step: drops flow_store.key_id, the keys of the
-- last attribution (NULL after a load), which key_id_next replaces (rename_next_keys_column).
-- Reads: nothing. Writes: flow_store (drops key_id). Params: none.
ALTER TABLE flow_store DROP COLUMN key_id;
