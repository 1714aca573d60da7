-- Drops what a failed load wrote into files_loading.
-- Reads: nothing. Writes: drops table files_loading. Params: none.
DROP TABLE IF EXISTS files_loading;
