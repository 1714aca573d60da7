-- Records the file numbers of this load (load_file_ids) in source_files.
-- Reads: load_file_ids. Writes: source_files_loading. Params: none.
INSERT INTO source_files_loading (file_id, source_file)
SELECT file_id, source_file
FROM load_file_ids;
