-- Drops the loaded records, so that a load without --append replaces them.
-- Reads: nothing. Writes: drops table flow_records. Params: none.
DROP TABLE IF EXISTS flow_records;
