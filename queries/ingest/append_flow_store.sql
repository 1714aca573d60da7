-- A finished load with --append: the rows of flow_store_loading are added to flow_store, which
-- has been given every column of flow_store_loading first (ingest/add_store_column); the columns
-- flow_store_loading lacks are NULL (drop_flow_store_loading then removes the staging table, in
-- the same transaction).
-- Reads: flow_store_loading. Writes: flow_store. Params: none.
INSERT INTO flow_store BY NAME
SELECT *
FROM flow_store_loading;
