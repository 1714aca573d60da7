-- Spark engine: the records Spark read and attributed (with their key_id), handed to DuckDB through
-- Arrow, into the staging table of a load (made flow_store, read as the view flow_records, by the
-- load's swap).
-- Reads: spark_flow_records (Arrow: the columns of flow_records that Spark has). Writes:
-- flow_store_loading (given those columns first).
-- Params: none.
INSERT INTO flow_store_loading BY NAME
SELECT *
FROM spark_flow_records;
