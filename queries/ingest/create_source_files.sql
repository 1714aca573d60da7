-- Creates `source_files`, one row per file a load read records from: flow_records keeps the
-- file's number (file_id, 4 bytes) instead of its path in every record (a third of a record's
-- memory), and the view `flows` gives the path back as source_file.
-- Reads: nothing. Writes: table source_files. Params: none.
CREATE TABLE IF NOT EXISTS source_files (
    file_id INTEGER NOT NULL,
    source_file VARCHAR NOT NULL
);
