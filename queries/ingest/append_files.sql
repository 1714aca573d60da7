-- A finished load with --append: the rows of files_loading are added to files (drop_files_loading
-- then removes the staging table, in the same transaction).
-- Reads: files_loading. Writes: files. Params: none.
INSERT INTO files BY NAME
SELECT *
FROM files_loading;
