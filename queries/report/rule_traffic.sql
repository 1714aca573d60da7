-- Report rules: the `allowed` records, grouped once for the queries that break the rules' traffic
-- down (report/rules_ports, rules_remotes, rules_egress read this result, registered as the
-- relation `rule_traffic`, instead of each reading every record through the view `flows`).
-- One row per attribution key and the record fields those queries need (destination port,
-- addresses, AWS services; the key fixes the interface, protocol, direction and the addresses'
-- numbers), then the key's verdict row added: rule lists are joined per group, not hashed per
-- record. The same key may give several rows (another port or address): readers add them up.
-- `address` is the remote end (the source of an ingress record, else the destination) as
-- written in the log, `hi`/`lo` its numeric form; `port` the destination port for TCP and UDP,
-- else NULL; `aws_service` pkt-src-aws-service for ingress, else pkt-dst-aws-service.
-- Filters, per record as in report/rules_usage: interface $interface, capture window overlapping
-- [$since, $until] (NULL: no filter). Reads: flow_records, flow_verdicts (the tables behind the
-- view `flows`, which give each record's verdict through its key_id). Writes: nothing.
-- Params: $interface, $since, $until.
WITH per_key AS (
    SELECT
        f.key_id,
        f.flow_direction,
        f.protocol,
        f.dstport,
        f.srcaddr,
        f.dstaddr,
        f.pkt_src_aws_service,
        f.pkt_dst_aws_service,
        -- an address's text fixes its number: any row of the group has the same
        any_value(f.srcaddr_hi) AS srcaddr_hi,
        any_value(f.srcaddr_lo) AS srcaddr_lo,
        any_value(f.dstaddr_hi) AS dstaddr_hi,
        any_value(f.dstaddr_lo) AS dstaddr_lo,
        count(*) AS records,
        min(f."start") AS first_start,
        max(f."end") AS last_end
    FROM flow_records AS f
    WHERE
        f.key_id IN (SELECT v.key_id FROM flow_verdicts AS v WHERE v.verdict = 'allowed')
        AND ($interface IS NULL OR f.interface_id = $interface)
        AND ($since IS NULL OR coalesce(f."end", f."start") >= $since)
        AND ($until IS NULL OR coalesce(f."start", f."end") <= $until)
    GROUP BY
        f.key_id,
        f.flow_direction,
        f.protocol,
        f.dstport,
        f.srcaddr,
        f.dstaddr,
        f.pkt_src_aws_service,
        f.pkt_dst_aws_service
),
directed AS (
    SELECT
        v.matched_rule_ids AS ids,
        coalesce(p.flow_direction, v.direction) AS direction,
        p.*
    FROM per_key AS p
    JOIN flow_verdicts AS v ON v.key_id = p.key_id
)
SELECT
    ids,
    direction,
    protocol,
    CASE WHEN protocol IN (6, 17) THEN dstport END AS port,
    CASE direction WHEN 'ingress' THEN srcaddr ELSE dstaddr END AS address,
    CASE direction WHEN 'ingress' THEN srcaddr_hi ELSE dstaddr_hi END AS hi,
    CASE direction WHEN 'ingress' THEN srcaddr_lo ELSE dstaddr_lo END AS lo,
    CASE direction WHEN 'ingress' THEN pkt_src_aws_service ELSE pkt_dst_aws_service END
        AS aws_service,
    records,
    first_start,
    last_end
FROM directed;
