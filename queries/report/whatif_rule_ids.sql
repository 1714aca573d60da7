-- What-if: the ids of every rule of the snapshot, to check the ids asked for.
-- Reads: rules. Writes: nothing. Params: none.
SELECT rule_id FROM rules ORDER BY rule_id;
