-- Report rules: for every rule, the other rules that allowed the same `allowed` records, and in
-- how many of its records each did (`together`). A rule that appears with all of a rule's hits
-- alone covers every flow the rule allowed. Same filters as report/rules_usage: interface
-- $interface, capture window overlapping [$since, $until] (NULL: no filter).
-- Reads: flows. Writes: nothing. Params: $interface, $since, $until.
WITH lists AS (
    SELECT f.matched_rule_ids AS ids, count(*) AS records
    FROM flows AS f
    WHERE
        f.verdict = 'allowed'
        AND len(f.matched_rule_ids) > 1
        AND ($interface IS NULL OR f.interface_id = $interface)
        AND ($since IS NULL OR coalesce(f."end", f."start") >= $since)
        AND ($until IS NULL OR coalesce(f."start", f."end") <= $until)
    GROUP BY f.matched_rule_ids
)
SELECT a.rule_id, b.other_id, CAST(sum(l.records) AS BIGINT) AS together
FROM lists AS l
CROSS JOIN unnest(l.ids) AS a(rule_id)
CROSS JOIN unnest(l.ids) AS b(other_id)
WHERE a.rule_id <> b.other_id
GROUP BY a.rule_id, b.other_id
ORDER BY a.rule_id, b.other_id;
