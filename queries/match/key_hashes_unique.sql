-- Attribution, step 8 (DuckDB): whether no two keys share a hash in key_hashes. Only then may
-- match/assign_keys_hashed find a record's key by its hash alone; else match/assign_keys compares
-- the 15 columns.
-- Reads: key_hashes. Writes: nothing. Params: none.
SELECT count(*) = count(DISTINCT key_hash) AS is_unique
FROM key_hashes;
