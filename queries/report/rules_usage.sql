-- Report rules, with a time or interface filter: the usage of every rule recomputed from
-- each record's matched_rule_ids, with the definitions of rule_usage, over the records of
-- interface $interface (NULL: all) whose capture window overlaps [$since, $until] (unix seconds;
-- NULL: open; a record without start and end is outside any time filter). The records selected
-- are counted per attribution key first, and the keys per (verdict, list of rule ids), so the
-- lists are neither hashed per record nor unnested more than once per distinct list.
-- Reads: flow_records, flow_verdicts (the tables behind the view `flows`, which gives each record
-- its key's verdict and rule list). Writes: nothing. Params: $interface, $since, $until.
WITH per_key AS (
    SELECT
        f.key_id,
        count(*) AS records,
        sum(coalesce(f.packets, 0)) AS packets,
        sum(coalesce(f.bytes, 0)) AS bytes,
        min(f."start") AS first_start,
        max(f."end") AS last_end
    FROM flow_records AS f
    WHERE
        f.key_id IN (
            SELECT v.key_id FROM flow_verdicts AS v WHERE v.verdict IN ('allowed', 'return')
        )
        AND ($interface IS NULL OR f.interface_id = $interface)
        AND ($since IS NULL OR coalesce(f."end", f."start") >= $since)
        AND ($until IS NULL OR coalesce(f."start", f."end") <= $until)
    GROUP BY f.key_id
),
lists AS (
    SELECT
        v.verdict,
        v.matched_rule_ids AS ids,
        sum(p.records) AS records,
        sum(p.packets) AS packets,
        sum(p.bytes) AS bytes,
        min(p.first_start) AS first_start,
        max(p.last_end) AS last_end
    FROM per_key AS p
    JOIN flow_verdicts AS v ON v.key_id = p.key_id
    GROUP BY v.verdict, v.matched_rule_ids
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
