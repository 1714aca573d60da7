-- The files of this load with their numbers (continuing the numbers of source_files when a load
-- appends), for insert_flows to give each record its file_id. $ids and $paths are lists of the
-- same length, paired in order.
-- Reads: nothing. Writes: temp table load_file_ids. Params: $ids, $paths.
CREATE OR REPLACE TEMP TABLE load_file_ids AS
SELECT
    CAST(unnest($ids) AS INTEGER) AS file_id,
    CAST(unnest($paths) AS VARCHAR) AS source_file;
