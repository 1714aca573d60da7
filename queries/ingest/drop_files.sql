-- Drops `files` so that a load without --append replaces it.
-- Reads: nothing. Writes: drops table files. Params: none.
DROP TABLE IF EXISTS files;
