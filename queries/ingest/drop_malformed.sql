-- Drops `malformed` so that a load without --append replaces it.
-- Reads: nothing. Writes: drops table malformed. Params: none.
DROP TABLE IF EXISTS malformed;
