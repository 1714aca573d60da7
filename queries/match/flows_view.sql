-- Attribution, step 10: the view `flows`, every record with its direction, verdict,
-- matched_rule_ids and reason, taken from its key's row of flow_verdicts (match/assign_keys.sql
-- gave every record its key_id). The records are stored once (flow_store); the verdicts once per
-- key, so attributing does not write the records a second time.
-- Records that are not judged (key_id 0: log-status NODATA/SKIPDATA) are `skipped`, with the reason
-- 'log-status NODATA' or 'log-status SKIPDATA'. The reason is flow_verdicts' reason_first, else
-- 'VPC Block Public Access' for a REJECT with reject-reason BPA, else reason_last; NULL otherwise.
-- Reads: flow_rows, flow_verdicts. Writes: view flows. Params: none.
CREATE OR REPLACE VIEW flows AS
SELECT
    f.* EXCLUDE (key_id),
    coalesce(f.flow_direction, v.direction) AS direction,
    coalesce(v.verdict, 'skipped') AS verdict,
    coalesce(v.matched_rule_ids, []::VARCHAR[]) AS matched_rule_ids,
    CASE
        WHEN f.key_id = 0 THEN 'log-status ' || f.log_status
        WHEN v.reason_first IS NOT NULL THEN v.reason_first
        WHEN f.action = 'REJECT' AND f.reject_reason = 'BPA' THEN 'VPC Block Public Access'
        ELSE v.reason_last
    END AS reason
FROM flow_rows AS f
LEFT JOIN flow_verdicts AS v ON v.key_id = f.key_id;
