-- Creates files_loading, empty, with the columns of files: a load writes into it and makes it
-- files only when it has finished (rename_files, or append_files with --append), so that a failed
-- or interrupted load leaves files as it was. Replaces what an interrupted load left behind.
-- Reads: files. Writes: table files_loading. Params: none.
CREATE OR REPLACE TABLE files_loading AS
SELECT *
FROM files
LIMIT 0;
