-- The file of the database the connection works in: NULL in memory (flowsg.db.commit_checkpointed
-- commits an in-memory database otherwise than a file). DuckDB-only (duckdb_databases).
-- Reads: duckdb_databases(). Writes: nothing. Params: none.
SELECT path
FROM duckdb_databases()
WHERE database_name = current_database();
