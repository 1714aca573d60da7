-- Creates flow_store_loading, empty, with the columns every record has (a batch adds the columns of
-- its format's fields: ingest/add_store_column): a load writes into it and makes it flow_store only
-- when it has finished (rename_flow_store, or append_flow_store with --append), so that a failed or
-- interrupted load leaves flow_store as it was. Replaces what an interrupted load left behind.
-- Reads: nothing. Writes: table flow_store_loading. Params: none.
CREATE OR REPLACE TABLE flow_store_loading (
    file_id INTEGER NOT NULL,
    line_number BIGINT NOT NULL,
    key_id BIGINT
);
