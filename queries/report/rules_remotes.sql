-- Report rules: the remote addresses each rule's `allowed` records came from (ingress) or went to
-- (egress): per rule and distinct address, its records, whether it is an address of a network
-- interface of the snapshot and the security groups of those interfaces, and whether it is
-- public: neither an interface address nor private (10/8, 172.16/12, 192.168/16, 100.64/10,
-- 169.254/16, 127/8, fc00::/7, fe80::/10). Per rule also the number of distinct addresses and
-- of public ones. Rows are returned for every address of a rule with at most $max_addresses
-- distinct addresses, and otherwise only for its $top_sources public addresses with the most
-- records. Records are grouped by rule list and address before the lists are unnested. The
-- filters (those of report/rules_usage) are applied by report/rule_traffic.
-- Reads: rule_traffic (report/rule_traffic's result), addresses, interface_groups.
-- Writes: nothing. Params: $max_addresses, $top_sources.
WITH grouped AS (
    SELECT t.ids, t.address, t.hi, t.lo, sum(t.records) AS records
    FROM rule_traffic AS t
    WHERE t.direction IN ('ingress', 'egress')
    GROUP BY ALL
),
hits AS (
    SELECT u.rule_id, g.address, g.hi, g.lo, sum(g.records) AS records
    FROM grouped AS g
    CROSS JOIN unnest(g.ids) AS u(rule_id)
    GROUP BY ALL
),
distinct_addresses AS (
    SELECT DISTINCT
        address,
        hi,
        lo,
        CASE WHEN contains(address, ':') THEN 6 ELSE 4 END AS family
    FROM hits
    WHERE address IS NOT NULL
),
owners AS (
    SELECT
        d.address,
        list(DISTINCT g.group_id ORDER BY g.group_id) FILTER (WHERE g.group_id IS NOT NULL)
            AS group_ids
    FROM distinct_addresses AS d
    JOIN addresses AS a
        ON a.family = d.family
        AND d.hi BETWEEN a.first_hi AND a.last_hi
        AND d.lo BETWEEN a.first_lo AND a.last_lo
    LEFT JOIN interface_groups AS g ON g.interface_id = a.interface_id
    GROUP BY d.address
),
classified AS (
    SELECT
        d.address,
        d.family,
        o.address IS NOT NULL AS is_interface,
        coalesce(o.group_ids, []::VARCHAR[]) AS group_ids,
        o.address IS NULL
        AND NOT coalesce(
            CASE
                WHEN d.family = 4
                    THEN flowsg_ipv4_num(d.address) BETWEEN 167772160 AND 184549375
                    OR flowsg_ipv4_num(d.address) BETWEEN 2886729728 AND 2887778303
                    OR flowsg_ipv4_num(d.address) BETWEEN 3232235520 AND 3232301055
                    OR flowsg_ipv4_num(d.address) BETWEEN 1681915904 AND 1686110207
                    OR flowsg_ipv4_num(d.address) BETWEEN 2851995648 AND 2852061183
                    OR flowsg_ipv4_num(d.address) BETWEEN 2130706432 AND 2147483647
                ELSE regexp_full_match(lower(d.address), '(f[cd][0-9a-f]{2}|fe[89ab][0-9a-f]):.*')
            END,
            FALSE
        ) AS is_public
    FROM distinct_addresses AS d
    LEFT JOIN owners AS o ON o.address = d.address
),
ranked AS (
    SELECT
        h.rule_id,
        h.address,
        c.family,
        CAST(h.records AS BIGINT) AS records,
        c.is_interface,
        c.group_ids,
        c.is_public,
        count(*) OVER (PARTITION BY h.rule_id) AS n_addresses,
        sum(CASE WHEN c.is_public THEN 1 ELSE 0 END) OVER (PARTITION BY h.rule_id) AS n_public,
        row_number() OVER (
            PARTITION BY h.rule_id, c.is_public ORDER BY h.records DESC, h.address
        ) AS rank_in_kind
    FROM hits AS h
    JOIN classified AS c ON c.address = h.address
)
SELECT
    rule_id,
    address,
    family,
    records,
    is_interface,
    group_ids,
    is_public,
    CAST(n_addresses AS BIGINT) AS n_addresses,
    CAST(n_public AS BIGINT) AS n_public
FROM ranked
WHERE n_addresses <= $max_addresses OR (is_public AND rank_in_kind <= $top_sources)
ORDER BY rule_id, records DESC, address;
