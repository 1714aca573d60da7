-- A finished load with --append: the rows of source_files_loading are added to source_files (drop_source_files_loading
-- then removes the staging table, in the same transaction).
-- Reads: source_files_loading. Writes: source_files. Params: none.
INSERT INTO source_files BY NAME
SELECT *
FROM source_files_loading;
