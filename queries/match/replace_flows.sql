-- Attribution, step 9: drops the loaded flows, to be replaced by flows_attributed (rename_flows),
-- in one short transaction. Writing the attributed records into a table of their own outside
-- that transaction and renaming it costs nothing at commit; replacing flows inside a transaction
-- made DuckDB spend as long on the COMMIT as on writing the rows.
-- Reads: nothing. Writes: drops table flows. Params: none.
DROP TABLE IF EXISTS flows;
