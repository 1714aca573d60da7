-- Drops `flows` where it is still a table (a database written before flows became a view): the
-- load replaces it with the view over flow_records.
-- Reads: nothing. Writes: drops table flows. Params: none.
DROP TABLE IF EXISTS flows;
