-- Drops what a failed load wrote into flow_records_loading.
-- Reads: nothing. Writes: drops table flow_records_loading. Params: none.
DROP TABLE IF EXISTS flow_records_loading;
