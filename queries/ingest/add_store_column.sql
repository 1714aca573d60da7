-- Adds a column to a flow store table when a batch brings a field that no earlier batch of it had:
-- the columns of fields no loaded file has are never stored (see create_flow_store.sql). Existing
-- rows get NULL.
-- DDL takes no bound parameters, so this statement is a template: {table} is flow_store or
-- flow_store_loading, {column} a column of the view flow_records and {type} its type there, all
-- three checked against those lists by flowsg.ingest before flowsg.sql.run_template quotes them in.
-- No value is ever formatted into SQL.
-- Reads: nothing. Writes: table {table}. Params: none.
ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS "{column}" {type};
