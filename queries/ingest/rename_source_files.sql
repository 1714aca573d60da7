-- A finished load (without --append): source_files_loading becomes source_files, which drop_source_files removed in the
-- same transaction.
-- Reads: source_files_loading. Writes: table source_files. Params: none.
ALTER TABLE source_files_loading RENAME TO source_files;
