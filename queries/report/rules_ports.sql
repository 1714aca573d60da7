-- Report rules: the traffic each rule actually allowed, as distinct (protocol, port) pairs of its
-- `allowed` records (the request's destination port; NULL for protocols without ports), with
-- their record counts. Records are grouped by rule list first, so lists are unnested once per
-- distinct (list, protocol, port). Same filters as report/rules_usage: interface $interface,
-- capture window overlapping [$since, $until] (NULL: no filter).
-- Reads: flows. Writes: nothing. Params: $interface, $since, $until.
WITH grouped AS (
    SELECT
        f.matched_rule_ids AS ids,
        f.protocol,
        CASE WHEN f.protocol IN (6, 17) THEN f.dstport END AS port,
        count(*) AS records
    FROM flows AS f
    WHERE
        f.verdict = 'allowed'
        AND ($interface IS NULL OR f.interface_id = $interface)
        AND ($since IS NULL OR coalesce(f."end", f."start") >= $since)
        AND ($until IS NULL OR coalesce(f."start", f."end") <= $until)
    GROUP BY f.matched_rule_ids, f.protocol, CASE WHEN f.protocol IN (6, 17) THEN f.dstport END
)
SELECT u.rule_id, g.protocol, g.port, CAST(sum(g.records) AS BIGINT) AS records
FROM grouped AS g
CROSS JOIN unnest(g.ids) AS u(rule_id)
GROUP BY u.rule_id, g.protocol, g.port
ORDER BY u.rule_id, g.protocol, g.port;
