-- Drops what a failed load wrote into source_files_loading.
-- Reads: nothing. Writes: drops table source_files_loading. Params: none.
DROP TABLE IF EXISTS source_files_loading;
