-- Records over time: the ACCEPT and REJECT records (NODATA, SKIPDATA and records without an
-- action left out) per time bucket, action and verdict, with their packets and bytes. bucket:
-- the record's start rounded down to a multiple of $bucket_seconds (unix seconds). Filters:
-- $group (records on interfaces that have it), $interface, $since and $until (unix seconds:
-- records whose start is in [since, until)); NULL for none. Ordered by bucket, action, verdict.
-- Reads: flows, interface_groups. Writes: nothing.
-- Params: $bucket_seconds, $group, $interface, $since, $until.
SELECT
    (f."start" // $bucket_seconds) * $bucket_seconds AS bucket,
    f.action,
    f.verdict,
    count(*) AS records,
    CAST(coalesce(sum(f.packets), 0) AS BIGINT) AS packets,
    CAST(coalesce(sum(f.bytes), 0) AS BIGINT) AS bytes
FROM flows AS f
WHERE
    f."start" IS NOT NULL
    AND f.action IS NOT NULL
    AND ($interface IS NULL OR f.interface_id = $interface)
    AND (
        $group IS NULL
        OR f.interface_id IN (
            SELECT g.interface_id FROM interface_groups AS g WHERE g.group_id = $group
        )
    )
    AND ($since IS NULL OR f."start" >= $since)
    AND ($until IS NULL OR f."start" < $until)
GROUP BY (f."start" // $bucket_seconds) * $bucket_seconds, f.action, f.verdict
ORDER BY bucket, f.action, f.verdict;
