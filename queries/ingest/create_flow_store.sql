-- Creates `flow_store`, where the loaded records are stored (users read them through the views
-- `flow_records` and `flows`), if it does not exist. It starts with the columns every record has;
-- a load adds the column of a field when a file's format first brings it (ingest/add_store_column),
-- so the fields no loaded file had are not stored at all (the view flow_records gives them as NULL).
-- file_id: the record's file (source_files); line_number: its line (row, in Parquet) in that file;
-- key_id: its attribution key (see flow_records_view.sql).
-- Reads: nothing. Writes: table flow_store. Params: none.
CREATE TABLE IF NOT EXISTS flow_store (
    file_id INTEGER NOT NULL,
    line_number BIGINT NOT NULL,
    key_id BIGINT
);
