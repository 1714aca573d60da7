-- Appends the good records of the batch to flow_store_loading (read through the views
-- `flow_records` and `flows`), in the columns of the batch's format only: the fields the format
-- lacks are NULL in every row of the batch and are not written (the table may lack them).
-- The path of the record's file is kept once, in source_files: the record gets the file's number.
-- Reads: converted, load_file_ids. Writes: flow_store_loading.
-- Params: $columns (VARCHAR[]: the columns to write, every one a column of flow_store_loading).
INSERT INTO flow_store_loading BY NAME
SELECT COLUMNS(lambda name: list_contains($columns, name))
FROM (
    SELECT
        c.* EXCLUDE (raw, reason, source_file),
        l.file_id
    FROM converted AS c
    JOIN load_file_ids AS l ON l.source_file = c.source_file
    WHERE c.reason IS NULL
) AS good;
