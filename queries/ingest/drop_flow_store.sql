-- Drops the stored records, so that a load without --append replaces them.
-- Reads: nothing. Writes: drops table flow_store. Params: none.
DROP TABLE IF EXISTS flow_store;
