-- Drops what a failed load wrote into malformed_loading.
-- Reads: nothing. Writes: drops table malformed_loading. Params: none.
DROP TABLE IF EXISTS malformed_loading;
