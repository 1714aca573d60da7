-- Report rules: the traffic each rule actually allowed, as distinct (protocol, port) pairs of its
-- `allowed` records (the request's destination port; NULL for protocols without ports), with
-- their record counts. Records are grouped by rule list first, so lists are unnested once per
-- distinct (list, protocol, port). The filters (those of report/rules_usage) are applied by
-- report/rule_traffic.
-- Reads: rule_traffic (report/rule_traffic's result). Writes: nothing. Params: none.
WITH grouped AS (
    SELECT t.ids, t.protocol, t.port, sum(t.records) AS records
    FROM rule_traffic AS t
    GROUP BY t.ids, t.protocol, t.port
)
SELECT u.rule_id, g.protocol, g.port, CAST(sum(g.records) AS BIGINT) AS records
FROM grouped AS g
CROSS JOIN unnest(g.ids) AS u(rule_id)
GROUP BY u.rule_id, g.protocol, g.port
ORDER BY u.rule_id, g.protocol, g.port;
