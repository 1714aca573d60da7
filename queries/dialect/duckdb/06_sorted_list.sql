-- flowsg_sorted_ids(ids): the list ids (VARCHAR[]) sorted, or an empty list for NULL. List
-- aggregation and sorting are spelled differently by every engine; this is DuckDB's.
-- Reads: nothing. Writes: the temporary macro flowsg_sorted_ids. Params: none.
CREATE OR REPLACE TEMP MACRO flowsg_sorted_ids(ids) AS coalesce(list_sort(ids), []::VARCHAR[]);
