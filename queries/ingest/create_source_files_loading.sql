-- Creates source_files_loading, empty, with the columns of source_files: a load writes into it and makes it
-- source_files only when it has finished (rename_source_files, or append_source_files with --append), so that a failed
-- or interrupted load leaves source_files as it was. Replaces what an interrupted load left behind.
-- Reads: source_files. Writes: table source_files_loading. Params: none.
CREATE OR REPLACE TABLE source_files_loading AS
SELECT *
FROM source_files
LIMIT 0;
