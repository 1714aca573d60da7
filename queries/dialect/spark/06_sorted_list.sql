-- flowsg_sorted_ids(ids): Spark's form of queries/dialect/duckdb/06_sorted_list.sql: the list ids
-- (ARRAY<STRING>) sorted, or an empty list for NULL. Spark SQL has no macros: flowsg/dialect.py
-- expands every call inline.
-- Reads: nothing. Writes: nothing (expanded inline). Params: none.
CREATE OR REPLACE TEMP MACRO flowsg_sorted_ids(ids) AS
    coalesce(array_sort(ids), CAST(array() AS ARRAY<STRING>));
