-- Load summary: records by log-status and action (NODATA and SKIPDATA records have no action).
-- Reads: flows. Writes: nothing. Params: none.
SELECT log_status, action, count(*) AS records
FROM flows
GROUP BY log_status, action
ORDER BY log_status, action;
