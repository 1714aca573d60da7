-- Report rules, with a time or interface filter: the usage of every rule recomputed from
-- flows.matched_rule_ids, with the definitions of rule_usage, over the records of interface
-- $interface (NULL: all) whose capture window overlaps [$since, $until] (unix seconds; NULL: open;
-- a record without start and end is outside any time filter). The records are first grouped by
-- their list of rule ids, so the lists are unnested once per distinct list, not per record.
-- Reads: flows. Writes: nothing. Params: $interface, $since, $until.
WITH lists AS (
    SELECT
        f.verdict,
        f.matched_rule_ids AS ids,
        count(*) AS records,
        sum(coalesce(f.packets, 0)) AS packets,
        sum(coalesce(f.bytes, 0)) AS bytes,
        min(f."start") AS first_start,
        max(f."end") AS last_end
    FROM flows AS f
    WHERE
        f.verdict IN ('allowed', 'return')
        AND ($interface IS NULL OR f.interface_id = $interface)
        AND ($since IS NULL OR coalesce(f."end", f."start") >= $since)
        AND ($until IS NULL OR coalesce(f."start", f."end") <= $until)
    GROUP BY f.verdict, f.matched_rule_ids
)
SELECT
    u.rule_id,
    CAST(sum(CASE WHEN l.verdict = 'allowed' THEN l.records ELSE 0 END) AS BIGINT) AS hits,
    CAST(
        sum(CASE WHEN l.verdict = 'allowed' AND len(l.ids) = 1 THEN l.records ELSE 0 END) AS BIGINT
    ) AS sole_hits,
    CAST(sum(CASE WHEN l.verdict = 'return' THEN l.records ELSE 0 END) AS BIGINT) AS return_hits,
    CAST(sum(CASE WHEN l.verdict = 'allowed' THEN l.packets ELSE 0 END) AS BIGINT) AS packets,
    CAST(sum(CASE WHEN l.verdict = 'allowed' THEN l.bytes ELSE 0 END) AS BIGINT) AS bytes,
    min(CASE WHEN l.verdict = 'allowed' THEN l.first_start END) AS first_seen,
    max(CASE WHEN l.verdict = 'allowed' THEN l.last_end END) AS last_seen
FROM lists AS l
CROSS JOIN unnest(l.ids) AS u(rule_id)
GROUP BY u.rule_id;
