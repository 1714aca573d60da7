-- A finished load (without --append): flow_store_loading becomes flow_store, which drop_flow_store
-- removed in the same transaction.
-- Reads: flow_store_loading. Writes: table flow_store. Params: none.
ALTER TABLE flow_store_loading RENAME TO flow_store;
