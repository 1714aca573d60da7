-- flowsg_ports(): every port number, 0 to 65535, as a table of one INTEGER column `port`. Series
-- generators are spelled differently by every engine (Spark: explode(sequence(0, 65535))); this
-- is DuckDB's, a table macro over range().
-- Reads: nothing. Writes: the temporary macro flowsg_ports. Params: none.
CREATE OR REPLACE TEMP MACRO flowsg_ports() AS TABLE
    SELECT CAST(range AS INTEGER) AS port FROM range(65536);
