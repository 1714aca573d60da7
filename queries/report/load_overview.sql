-- Load summary: the time range the records cover (unix seconds) and how many interfaces they name.
-- Reads: flow_records. Writes: nothing. Params: none.
SELECT
    min("start") AS first_start,
    max("end") AS last_end,
    count(DISTINCT interface_id) AS interfaces,
    (SELECT count(*) FROM malformed WHERE line_number IS NOT NULL) AS malformed_lines
FROM flow_records;
