-- Drops the file numbers of flow_records, so that a load without --append replaces them.
-- Reads: nothing. Writes: drops table source_files. Params: none.
DROP TABLE IF EXISTS source_files;
