-- A finished load (without --append): files_loading becomes files, which drop_files removed in the
-- same transaction.
-- Reads: files_loading. Writes: table files. Params: none.
ALTER TABLE files_loading RENAME TO files;
