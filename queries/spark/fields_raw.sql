-- Spark: every row to check, text lines and Parquet rows together, under the name convert.sql
-- reads (queries/ingest/convert.sql runs on Spark unchanged, through flowsg.spark.engine).
-- Reads: text_fields, parquet_fields. Writes: temp view fields_raw. Params: none.
CREATE OR REPLACE TEMPORARY VIEW fields_raw AS
SELECT * FROM text_fields
UNION ALL
SELECT * FROM parquet_fields;
