-- A database written before the records moved to flow_store holds them in the table
-- flow_records, with every column: it becomes flow_store as it is (the view flow_records is then
-- created over it).
-- Reads: nothing. Writes: renames table flow_records to flow_store. Params: none.
ALTER TABLE flow_records RENAME TO flow_store;
