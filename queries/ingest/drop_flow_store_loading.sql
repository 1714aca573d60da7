-- Drops what a failed load wrote into flow_store_loading.
-- Reads: nothing. Writes: drops table flow_store_loading. Params: none.
DROP TABLE IF EXISTS flow_store_loading;
