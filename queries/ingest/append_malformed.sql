-- A finished load with --append: the rows of malformed_loading are added to malformed (drop_malformed_loading
-- then removes the staging table, in the same transaction).
-- Reads: malformed_loading. Writes: malformed. Params: none.
INSERT INTO malformed BY NAME
SELECT *
FROM malformed_loading;
