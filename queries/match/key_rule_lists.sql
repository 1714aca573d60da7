-- Attribution, step 6: per key, the ids of the rules that explain its verdict (the side named by
-- matched_side), as one list.
-- Reads: key_verdicts, key_matches. Writes: temp table key_rule_lists. Params: none.
CREATE OR REPLACE TEMP TABLE key_rule_lists AS
SELECT
    v.key_id,
    flowsg_sorted_ids(list(m.rule_id)) AS matched_rule_ids
FROM key_verdicts AS v
JOIN key_matches AS m ON m.key_id = v.key_id AND m.side = v.matched_side
GROUP BY v.key_id;
