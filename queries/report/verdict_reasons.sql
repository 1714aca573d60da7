-- Analyze summary: records by reason (for the verdicts that carry one).
-- Reads: flows. Writes: nothing. Params: none.
SELECT reason, count(*) AS records
FROM flows
WHERE reason IS NOT NULL
GROUP BY reason
ORDER BY records DESC, reason;
