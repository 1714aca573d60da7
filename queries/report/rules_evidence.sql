-- Group evidence: per security group, what the logs say about its interfaces. window_start and
-- window_end: the first start and last end of every record loaded (the observed window, the same
-- for every group); interfaces: the interfaces it is attached to in the snapshot;
-- logged_interfaces: how many of them appear in the logs at all (any record, NODATA and SKIPDATA
-- included); silent_interfaces: the ids of the others; records, nodata_records,
-- skipdata_records: their OK, NODATA and SKIPDATA records;
-- first_record/last_record: the first start and last end among their records. Every group: a
-- rule's status needs its own group's evidence whichever group a report shows, and the report
-- keeps its group's rows itself (flowsg.report.rules._of_group). Filters: $interface counts only
-- that interface (and keeps the groups attached to it); $since/$until (unix seconds) keep the
-- records whose capture window overlaps them (a record without start and end is outside any
-- time filter). NULL: no filter.
-- Reads: flow_records, security_groups, rules, interface_groups. Writes: nothing.
-- Params: $interface, $since, $until.
WITH per_interface AS (
    -- one pass over the records, for every interface (a few hundred rows): the observed window
    -- is taken from these too, so that the records are not read, or held, twice
    SELECT
        f.interface_id,
        count(*) FILTER (WHERE f.log_status IS NULL OR f.log_status = 'OK') AS records,
        count(*) FILTER (WHERE f.log_status = 'NODATA') AS nodata,
        count(*) FILTER (WHERE f.log_status = 'SKIPDATA') AS skipdata,
        min(f."start") AS first_record,
        max(f."end") AS last_record
    FROM flow_records AS f
    WHERE
        ($since IS NULL OR coalesce(f."end", f."start") >= $since)
        AND ($until IS NULL OR coalesce(f."start", f."end") <= $until)
    GROUP BY f.interface_id
),
observed AS (
    SELECT min(first_record) AS window_start, max(last_record) AS window_end FROM per_interface
),
groups AS (
    SELECT group_id, max(group_name) AS group_name
    FROM (
        SELECT group_id, group_name FROM security_groups
        UNION ALL
        SELECT group_id, group_name FROM rules
    ) AS named
    GROUP BY group_id
),
attached AS (
    SELECT group_id, interface_id
    FROM interface_groups
    WHERE $interface IS NULL OR interface_id = $interface
),
seen AS (
    SELECT p.*
    FROM per_interface AS p
    WHERE p.interface_id IN (SELECT a.interface_id FROM attached AS a)
)
SELECT
    g.group_id,
    g.group_name,
    o.window_start,
    o.window_end,
    CAST(count(a.interface_id) AS BIGINT) AS interfaces,
    CAST(count(s.interface_id) AS BIGINT) AS logged_interfaces,
    coalesce(
        list(a.interface_id ORDER BY a.interface_id)
            FILTER (WHERE a.interface_id IS NOT NULL AND s.interface_id IS NULL),
        []::VARCHAR[]
    ) AS silent_interfaces,
    CAST(coalesce(sum(s.records), 0) AS BIGINT) AS records,
    CAST(coalesce(sum(s.nodata), 0) AS BIGINT) AS nodata_records,
    CAST(coalesce(sum(s.skipdata), 0) AS BIGINT) AS skipdata_records,
    min(s.first_record) AS first_record,
    max(s.last_record) AS last_record
FROM groups AS g
CROSS JOIN observed AS o
LEFT JOIN attached AS a ON a.group_id = g.group_id
LEFT JOIN seen AS s ON s.interface_id = a.interface_id
WHERE $interface IS NULL OR g.group_id IN (SELECT t.group_id FROM attached AS t)
GROUP BY g.group_id, g.group_name, o.window_start, o.window_end
ORDER BY g.group_name NULLS LAST, g.group_id;
