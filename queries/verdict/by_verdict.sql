-- Records by verdict, after attribution.
-- Reads: flows. Writes: nothing. Params: none.
SELECT verdict, count(*) AS records
FROM flows
GROUP BY verdict
ORDER BY records DESC;
