-- Attribution, step 7: everything a record takes from its key, in one row per key (so that the
-- rewrite of flows joins one small table): direction, verdict, matched_rule_ids (sorted; empty
-- when no rule explains the verdict), and the reasons that depend on the key alone, split around
-- the one that depends on the record (VPC Block Public Access, see match/flows_view.sql):
-- reason_first: no action field (`skipped`); the direction is unknown.
-- reason_last: for blocked_elsewhere, the network ACL entry that denies it (key_nacl; the `*` rule
-- written 'rule 32767 (*)' or 'rule 32768 (*)'), else that the cause is not a security group; for
-- no_rule, that its network ACL denies it too.
-- Reads: flow_keys, key_directions, key_verdicts, key_rule_lists, key_nacl.
-- Writes: temp table key_results. Params: none.
CREATE OR REPLACE TEMP TABLE key_results AS
SELECT
    k.*,
    d.direction,
    coalesce(v.verdict, 'skipped') AS verdict,
    flowsg_sorted_ids(l.matched_rule_ids) AS matched_rule_ids,
    CASE
        WHEN v.verdict = 'skipped' THEN 'no action: the log format has no action field'
        WHEN v.verdict IN ('unexplained', 'no_rule') AND d.direction IS NULL
            THEN 'direction unknown: neither address belongs to the interface'
    END AS reason_first,
    CASE
        WHEN v.verdict = 'blocked_elsewhere' AND n.rule_action = 'deny'
            THEN 'network ACL ' || n.acl_id || ' rule ' || CAST(n.rule_number AS VARCHAR)
                || CASE WHEN n.rule_number >= 32767 THEN ' (*)' ELSE '' END
                || ' denies ' || d.direction
        WHEN v.verdict = 'blocked_elsewhere'
            THEN 'not a security group: network ACL outside the snapshot, or packets after the '
                || 'connection closed'
        WHEN v.verdict = 'no_rule' AND n.rule_action = 'deny'
            THEN 'no security-group rule allows it, and network ACL ' || n.acl_id || ' rule '
                || CAST(n.rule_number AS VARCHAR)
                || CASE WHEN n.rule_number >= 32767 THEN ' (*)' ELSE '' END
                || ' denies ' || d.direction || ' too'
    END AS reason_last
FROM flow_keys AS k
LEFT JOIN key_directions AS d ON d.key_id = k.key_id
LEFT JOIN key_verdicts AS v ON v.key_id = k.key_id
LEFT JOIN key_rule_lists AS l ON l.key_id = k.key_id
LEFT JOIN key_nacl AS n ON n.key_id = k.key_id;
