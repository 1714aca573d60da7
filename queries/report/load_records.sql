-- Load summary: records by log-status and action (NODATA and SKIPDATA records have no action).
-- Reads: flow_records. Writes: nothing. Params: none.
SELECT log_status, action, count(*) AS records
FROM flow_records
GROUP BY log_status, action
ORDER BY log_status, action;
