-- A finished load with --append: the rows of flow_records_loading are added to flow_records (drop_flow_records_loading
-- then removes the staging table, in the same transaction).
-- Reads: flow_records_loading. Writes: flow_records. Params: none.
INSERT INTO flow_records BY NAME
SELECT *
FROM flow_records_loading;
