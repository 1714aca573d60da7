-- Report rules, egress breakdown: the traffic each rule of $rule_ids (a list of rule ids) actually
-- allowed, by remote address class and port: the basis for replacing a broad rule (all traffic to 0.0.0.0/0) with
-- narrower ones. Classes, first that applies: 'vpc' (an address of a network interface of the
-- snapshot; destination: the smallest security group of that interface, by attached interfaces,
-- then id, or the interface id when it has none), 'prefix-list' (inside an entry of a prefix
-- list of the snapshot; destination: its id), 'aws-service' (pkt-dst-aws-service, or
-- pkt-src-aws-service for ingress, when logged; destination: the service), 'private' (10/8,
-- 172.16/12, 192.168/16, 100.64/10, 169.254/16, 127/8, fc00::/7, fe80::/10), 'internet'.
-- Per rule, class, destination, protocol and port (NULL for protocols without ports): records,
-- sole_records (those no other rule allowed: the traffic a replacement must allow), distinct
-- addresses, their list when there are at most $max_addresses of them (else NULL),
-- first start and last end. The filters (those of report/rules_usage) are applied by
-- report/rule_traffic.
-- Reads: rule_traffic (report/rule_traffic's result), addresses, interface_groups,
-- prefix_list_entries. Writes: nothing. Params: $rule_ids, $max_addresses.
WITH grouped AS (
    SELECT
        t.ids,
        t.protocol,
        t.port,
        t.address,
        t.hi,
        t.lo,
        t.aws_service,
        sum(t.records) AS records,
        min(t.first_start) AS first_start,
        max(t.last_end) AS last_end
    FROM rule_traffic AS t
    WHERE list_has_any(t.ids, CAST($rule_ids AS VARCHAR[]))
    GROUP BY ALL
),
hits AS (
    SELECT
        u.rule_id,
        g.protocol,
        g.port,
        g.address,
        g.hi,
        g.lo,
        g.aws_service,
        len(g.ids) = 1 AS sole,
        g.records,
        g.first_start,
        g.last_end
    FROM grouped AS g
    CROSS JOIN unnest(g.ids) AS u(rule_id)
    WHERE list_contains(CAST($rule_ids AS VARCHAR[]), u.rule_id)
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
group_sizes AS (
    SELECT group_id, count(*) AS n_interfaces FROM interface_groups GROUP BY group_id
),
owner_candidates AS (
    SELECT
        d.address,
        coalesce(g.group_id, a.interface_id) AS destination,
        row_number() OVER (
            PARTITION BY d.address
            ORDER BY g.group_id IS NULL, s.n_interfaces, g.group_id, a.interface_id
        ) AS pick
    FROM distinct_addresses AS d
    JOIN addresses AS a
        ON a.family = d.family
        AND d.hi BETWEEN a.first_hi AND a.last_hi
        AND d.lo BETWEEN a.first_lo AND a.last_lo
    LEFT JOIN interface_groups AS g ON g.interface_id = a.interface_id
    LEFT JOIN group_sizes AS s ON s.group_id = g.group_id
),
lists AS (
    SELECT d.address, min(e.prefix_list_id) AS prefix_list_id
    FROM distinct_addresses AS d
    JOIN prefix_list_entries AS e
        ON e.family = d.family
        AND d.hi BETWEEN e.first_hi AND e.last_hi
        AND d.lo BETWEEN e.first_lo AND e.last_lo
    GROUP BY d.address
),
classified AS (
    SELECT
        h.*,
        CASE
            WHEN o.destination IS NOT NULL THEN 'vpc'
            WHEN l.prefix_list_id IS NOT NULL THEN 'prefix-list'
            WHEN h.aws_service IS NOT NULL THEN 'aws-service'
            WHEN coalesce(
                CASE
                    WHEN contains(h.address, ':')
                        THEN regexp_full_match(
                            lower(h.address), '(f[cd][0-9a-f]{2}|fe[89ab][0-9a-f]):.*'
                        )
                    ELSE flowsg_ipv4_num(h.address) BETWEEN 167772160 AND 184549375
                        OR flowsg_ipv4_num(h.address) BETWEEN 2886729728 AND 2887778303
                        OR flowsg_ipv4_num(h.address) BETWEEN 3232235520 AND 3232301055
                        OR flowsg_ipv4_num(h.address) BETWEEN 1681915904 AND 1686110207
                        OR flowsg_ipv4_num(h.address) BETWEEN 2851995648 AND 2852061183
                        OR flowsg_ipv4_num(h.address) BETWEEN 2130706432 AND 2147483647
                END,
                FALSE
            ) THEN 'private'
            ELSE 'internet'
        END AS class,
        CASE
            WHEN o.destination IS NOT NULL THEN o.destination
            WHEN l.prefix_list_id IS NOT NULL THEN l.prefix_list_id
            ELSE h.aws_service
        END AS destination
    FROM hits AS h
    LEFT JOIN owner_candidates AS o ON o.address = h.address AND o.pick = 1
    LEFT JOIN lists AS l ON l.address = h.address
)
SELECT
    rule_id,
    class,
    destination,
    protocol,
    port,
    CAST(sum(records) AS BIGINT) AS records,
    CAST(coalesce(sum(records) FILTER (WHERE sole), 0) AS BIGINT) AS sole_records,
    CAST(count(DISTINCT address) AS BIGINT) AS addresses,
    CASE
        WHEN count(DISTINCT address) <= $max_addresses
            THEN list(DISTINCT address ORDER BY address) FILTER (WHERE address IS NOT NULL)
    END AS address_list,
    min(first_start) AS first_seen,
    max(last_end) AS last_seen
FROM classified
GROUP BY rule_id, class, destination, protocol, port
ORDER BY
    rule_id,
    CASE class
        WHEN 'vpc' THEN 1
        WHEN 'prefix-list' THEN 2
        WHEN 'aws-service' THEN 3
        WHEN 'private' THEN 4
        ELSE 5
    END,
    records DESC,
    destination NULLS LAST,
    protocol,
    port;
