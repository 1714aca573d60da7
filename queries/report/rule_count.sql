-- Analyze summary: how many rules the snapshot has.
-- Reads: rule_usage. Writes: nothing. Params: none.
SELECT count(*) AS rules FROM rule_usage;
