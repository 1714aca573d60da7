-- Attribution, step 9: what a record takes from its key, kept with the records (the view `flows`
-- joins it on key_id): direction, verdict, matched_rule_ids and the reasons (see key_results).
-- Reads: key_results. Writes: table flow_verdicts. Params: none.
CREATE OR REPLACE TABLE flow_verdicts AS
SELECT
    key_id,
    direction,
    verdict,
    matched_rule_ids,
    reason_first,
    reason_last
FROM key_results;
