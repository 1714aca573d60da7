-- Appends the good records of the batch to flow_records (read as the view `flows`).
-- The path of the record's file is kept once, in source_files: the record gets the file's number.
-- Reads: converted, load_file_ids. Writes: flow_records_loading. Params: none.
INSERT INTO flow_records_loading BY NAME
SELECT
    c.* EXCLUDE (raw, reason, source_file),
    l.file_id
FROM converted AS c
JOIN load_file_ids AS l ON l.source_file = c.source_file
WHERE c.reason IS NULL;
