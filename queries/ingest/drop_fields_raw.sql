-- Drops the batch table of split text lines once the batch is filed.
-- Reads: nothing. Writes: drops temp table fields_raw. Params: none.
DROP TABLE IF EXISTS fields_raw;
