-- Spark engine: the records Spark read and attributed (with their key_id), handed to DuckDB through
-- Arrow, into the staging table of a load (made flow_records by the load's swap).
-- Reads: spark_flow_records (Arrow: the columns of flow_records). Writes: flow_records_loading.
-- Params: none.
INSERT INTO flow_records_loading BY NAME
SELECT *
FROM spark_flow_records;
