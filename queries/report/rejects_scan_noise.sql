-- Report `rejects`, step 3: the internet scan noise of step 1 (rejects_groups.noise), one row per
-- interface: its security groups, records, distinct source addresses, distinct (protocol, port)
-- pairs, the most probed ports ('tcp 3389', most records first, then protocol and port), and
-- first_seen/last_seen (unix seconds: first start, last end); most records first.
-- Reads: rejects_groups (report/rejects_groups), interface_groups, security_groups.
-- Writes: nothing. Params: $top (how many ports in top_ports).
WITH noise AS (
    SELECT *
    FROM rejects_groups
    WHERE noise
),
ports AS (
    SELECT
        interface_id,
        protocol,
        port,
        sum(records) AS records,
        row_number() OVER (
            PARTITION BY interface_id ORDER BY sum(records) DESC, protocol, port
        ) AS rn
    FROM noise
    GROUP BY interface_id, protocol, port
),
top_ports AS (
    SELECT
        interface_id,
        list(
            CASE protocol
                WHEN 6 THEN 'tcp'
                WHEN 17 THEN 'udp'
                WHEN 1 THEN 'icmp'
                WHEN 58 THEN 'icmpv6'
                ELSE 'protocol ' || CAST(protocol AS VARCHAR)
            END
            || CASE WHEN port IS NULL THEN '' ELSE ' ' || CAST(port AS VARCHAR) END
            ORDER BY rn
        ) AS top_ports
    FROM ports
    WHERE rn <= $top
    GROUP BY interface_id
),
totals AS (
    SELECT
        interface_id,
        sum(records) AS records,
        count(DISTINCT remote_address) AS sources,
        count(DISTINCT (protocol, port)) AS ports,
        min(first_seen) AS first_seen,
        max(last_seen) AS last_seen
    FROM noise
    GROUP BY interface_id
),
names AS (
    SELECT
        ig.interface_id,
        list(ig.group_id ORDER BY ig.group_id) AS group_ids,
        list(coalesce(s.group_name, ig.group_id) ORDER BY ig.group_id) AS group_names
    FROM interface_groups AS ig
    LEFT JOIN security_groups AS s ON s.group_id = ig.group_id
    GROUP BY ig.interface_id
)
SELECT
    t.interface_id,
    coalesce(n.group_ids, []::VARCHAR[]) AS group_ids,
    coalesce(n.group_names, []::VARCHAR[]) AS group_names,
    CAST(t.records AS BIGINT) AS records,
    t.sources,
    t.ports,
    coalesce(p.top_ports, []::VARCHAR[]) AS top_ports,
    t.first_seen,
    t.last_seen
FROM totals AS t
LEFT JOIN top_ports AS p ON p.interface_id = t.interface_id
LEFT JOIN names AS n ON n.interface_id = t.interface_id
ORDER BY t.records DESC, t.interface_id;
