-- Drops `flows` so that a load without --append replaces it.
-- Reads: nothing. Writes: drops table flows. Params: none.
DROP TABLE IF EXISTS flows;
