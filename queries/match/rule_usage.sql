-- Attribution, step 11: how much traffic every rule of the snapshot carried. hits: `allowed`
-- records whose matched rules include it; sole_hits: those it alone allowed (the traffic that
-- would break without it); return_hits: `return` records it explains; packets and bytes of its
-- hits; first_seen/last_seen: unix seconds of the first start and last end among its hits.
-- Rules without traffic have 0 hits and NULL times.
-- Reads: rules, key_verdicts, key_matches, flow_keys. Writes: table rule_usage. Params: none.
CREATE OR REPLACE TABLE rule_usage AS
WITH credited AS (
    SELECT
        m.rule_id,
        v.verdict,
        v.n_matched,
        k.records,
        k.packets,
        k.bytes,
        k.first_start,
        k.last_end
    FROM key_verdicts AS v
    JOIN key_matches AS m ON m.key_id = v.key_id AND m.side = v.matched_side
    JOIN flow_keys AS k ON k.key_id = v.key_id
    WHERE v.verdict IN ('allowed', 'return')
),
usage AS (
    SELECT
        rule_id,
        sum(CASE WHEN verdict = 'allowed' THEN records ELSE 0 END) AS hits,
        sum(CASE WHEN verdict = 'allowed' AND n_matched = 1 THEN records ELSE 0 END) AS sole_hits,
        sum(CASE WHEN verdict = 'return' THEN records ELSE 0 END) AS return_hits,
        sum(CASE WHEN verdict = 'allowed' THEN coalesce(packets, 0) ELSE 0 END) AS packets,
        sum(CASE WHEN verdict = 'allowed' THEN coalesce(bytes, 0) ELSE 0 END) AS bytes,
        min(CASE WHEN verdict = 'allowed' THEN first_start END) AS first_seen,
        max(CASE WHEN verdict = 'allowed' THEN last_end END) AS last_seen
    FROM credited
    GROUP BY rule_id
)
SELECT
    r.rule_id,
    r.group_id,
    r.group_name,
    r.direction,
    r.protocol,
    r.from_port,
    r.to_port,
    r.peer_kind,
    r.peer,
    r.description,
    r.resolvable,
    CAST(coalesce(u.hits, 0) AS BIGINT) AS hits,
    CAST(coalesce(u.sole_hits, 0) AS BIGINT) AS sole_hits,
    CAST(coalesce(u.return_hits, 0) AS BIGINT) AS return_hits,
    CAST(coalesce(u.packets, 0) AS BIGINT) AS packets,
    CAST(coalesce(u.bytes, 0) AS BIGINT) AS bytes,
    u.first_seen,
    u.last_seen
FROM rules AS r
LEFT JOIN usage AS u ON u.rule_id = r.rule_id
ORDER BY r.group_id, r.direction, r.rule_id;
