-- Spark engine: the usage of every rule as Spark computed it (queries/match/rule_usage.sql run on
-- Spark), kept in DuckDB for the reports and rule_usage.parquet.
-- Reads: spark_rule_usage (Arrow). Writes: table rule_usage. Params: none.
CREATE OR REPLACE TABLE rule_usage AS
SELECT *
FROM spark_rule_usage;
