-- Report rules, without time or interface filter: the usage of every rule as `flowsg analyze`
-- left it in rule_usage (hits, sole_hits, return_hits, packets, bytes, first/last seen in unix
-- seconds).
-- Reads: rule_usage. Writes: nothing. Params: none.
SELECT rule_id, hits, sole_hits, return_hits, packets, bytes, first_seen, last_seen
FROM rule_usage;
