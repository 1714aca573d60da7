-- Creates `snapshot_files`, one row per (file, recognised key) of the snapshot, or one row with a
-- NULL key for a file that was skipped: how many items the key held, and what was wrong (NULL
-- when nothing was).
-- Reads: snapshot_src_files (Arrow, registered by flowsg.snapshot). Writes: table snapshot_files.
-- Params: none.
CREATE OR REPLACE TABLE snapshot_files AS
SELECT
    CAST(source_file AS VARCHAR) AS source_file,
    CAST(key AS VARCHAR) AS key,
    CAST(items AS INTEGER) AS items,
    CAST(error AS VARCHAR) AS error
FROM snapshot_src_files;
