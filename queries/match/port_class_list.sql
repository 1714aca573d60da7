-- Attribution, step 0: every port's class, as one list in port order. The boundaries of every
-- rule's and network ACL entry's port range (from_port and to_port + 1) cut 0-65535 into
-- intervals; two ports in the same interval are inside exactly the same ranges, so matching can
-- use the interval (named by its first port) instead of the port. Ephemeral client ports then
-- collapse into a few classes, and records that differ only in them share a key.
-- The class of port p is at position p + 1 (flowsg_port_class: keyed_flows looks a record's two
-- ports up in the list instead of joining a table of 65,536 rows twice). A port's class is the
-- first port of its interval, so the classes rise with the port: sorting them puts them in port
-- order, which a list aggregate alone does not promise (Spark's collect_list).
-- Reads: rules, nacls. Writes: temp table port_class_list (one row: classes). Params: none.
CREATE OR REPLACE TEMP TABLE port_class_list AS
WITH bounds AS (
    SELECT DISTINCT b
    FROM (
        SELECT 0 AS b
        UNION ALL SELECT from_port FROM rules
        UNION ALL SELECT to_port + 1 FROM rules
        UNION ALL SELECT from_port FROM nacls
        UNION ALL SELECT to_port + 1 FROM nacls
    ) AS all_bounds
    WHERE b BETWEEN 0 AND 65535
),
intervals AS (
    SELECT
        b AS first_port,
        coalesce(lead(b) OVER (ORDER BY b) - 1, 65535) AS last_port
    FROM bounds
)
SELECT list_sort(list(i.first_port)) AS classes
FROM flowsg_ports() AS p
JOIN intervals AS i ON p.port BETWEEN i.first_port AND i.last_port;
