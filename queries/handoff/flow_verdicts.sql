-- Spark engine: the verdicts of the attribution keys as Spark computed them
-- (queries/match/flow_verdicts.sql run on Spark), kept in DuckDB for the view flows.
-- Reads: spark_flow_verdicts (Arrow). Writes: table flow_verdicts. Params: none.
CREATE OR REPLACE TABLE flow_verdicts AS
SELECT *
FROM spark_flow_verdicts;
