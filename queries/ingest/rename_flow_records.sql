-- A finished load (without --append): flow_records_loading becomes flow_records, which drop_flow_records removed in the
-- same transaction.
-- Reads: flow_records_loading. Writes: table flow_records. Params: none.
ALTER TABLE flow_records_loading RENAME TO flow_records;
