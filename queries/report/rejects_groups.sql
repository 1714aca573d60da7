-- Report `rejects`, step 1: every REJECT record (verdicts no_rule, blocked_elsewhere,
-- no_security_group, unknown_interface) of the records selected by the filters, grouped by
-- interface, connection direction, protocol, service port, remote address, verdict and reason.
-- A record is a reply when it is a TCP SYN-ACK, or a blocked_elsewhere record explained by rules of
-- the opposite direction (its request was allowed, the reply was dropped); for a reply the
-- connection direction is the opposite of the record's and the service port is its source port;
-- otherwise they are the record's direction and destination port. The remote address is srcaddr
-- for ingress records and for records of unknown direction, dstaddr for egress records.
-- remote_class: 'interface' (an address of an interface of the snapshot), 'private' (RFC 1918,
-- 100.64.0.0/10, fc00::/7, or inside the /16 (IPv4) or /56 (IPv6) around an address of an
-- interface of the snapshot: the VPCs' own address space as far as the snapshot tells), 'public'.
-- noise (internet scan noise): an ingress connection from a public address, not blocked_elsewhere,
-- either to a port that no ingress rule of the interface's security groups opens for any source
-- (an interface without security groups opens none), or from a source that sent such a probe among
-- the selected records (a scanner: its probes of open ports are noise too).
-- smallest_fix, for no_rule groups of requests from an 'interface' or 'private' address: one rule
-- on the local interface's group with the fewest member interfaces (then one that already has a
-- rule for this protocol, port and direction, then the lowest id), from (ingress) or to (egress)
-- the remote interface's group with the fewest members (the remote interface: one in the same VPC
-- first, then the lowest id), or the remote address as a /32 (/128) when it has no group.
-- Reads: flows, rules, addresses, interfaces, interface_groups. Writes: temp table rejects_groups.
-- Params: $group (a security group id: only interfaces that have it), $interface (an interface
--   id), $since and $until (unix seconds: records whose start is in [since, until)); NULL for
--   none.
CREATE OR REPLACE TEMP TABLE rejects_groups AS
WITH rejected AS (
    SELECT
        f.interface_id,
        f.direction,
        f.protocol,
        f.verdict,
        f.reason,
        f.srcport,
        f.dstport,
        f."start",
        f."end",
        CASE WHEN f.direction = 'egress' THEN f.dstaddr ELSE f.srcaddr END AS remote_address,
        CASE WHEN f.direction = 'egress' THEN f.dstaddr_hi ELSE f.srcaddr_hi END AS remote_hi,
        CASE WHEN f.direction = 'egress' THEN f.dstaddr_lo ELSE f.srcaddr_lo END AS remote_lo,
        coalesce(
            (f.protocol = 6 AND (f.tcp_flags & 18) = 18)
            OR (f.verdict = 'blocked_elsewhere' AND r.direction <> f.direction),
            FALSE
        ) AS reply
    FROM flows AS f
    LEFT JOIN rules AS r ON r.rule_id = f.matched_rule_ids[1]
    WHERE
        f.action = 'REJECT'
        AND ($interface IS NULL OR f.interface_id = $interface)
        AND (
            $group IS NULL
            OR f.interface_id IN (
                SELECT g.interface_id FROM interface_groups AS g WHERE g.group_id = $group
            )
        )
        AND ($since IS NULL OR f."start" >= $since)
        AND ($until IS NULL OR f."start" < $until)
),
oriented AS (
    SELECT
        interface_id,
        protocol,
        verdict,
        reason,
        "start",
        "end",
        reply,
        remote_address,
        remote_hi,
        remote_lo,
        CASE WHEN contains(remote_address, ':') THEN 6 ELSE 4 END AS remote_family,
        CASE
            WHEN NOT reply THEN direction
            WHEN direction = 'ingress' THEN 'egress'
            WHEN direction = 'egress' THEN 'ingress'
        END AS direction,
        CASE WHEN reply THEN srcport ELSE dstport END AS port
    FROM rejected
),
remotes AS (
    SELECT DISTINCT remote_family, remote_hi, remote_lo, remote_address
    FROM oriented
    WHERE remote_hi IS NOT NULL
),
owners AS (
    SELECT DISTINCT r.remote_family, r.remote_hi, r.remote_lo, a.interface_id AS owner_id
    FROM remotes AS r
    JOIN addresses AS a
        ON a.family = r.remote_family
        AND r.remote_hi BETWEEN a.first_hi AND a.last_hi
        AND r.remote_lo BETWEEN a.first_lo AND a.last_lo
),
-- The /16 (IPv4) or /56 (IPv6) block around every address of the snapshot's interfaces, as keys:
-- (hi, lo >> 16) for IPv4 (stored IPv4-mapped), (hi >> 8, 0) for IPv6. The stored numbers are
-- offset by 2^63, a multiple of every block size, and >> floors, so equal keys mean one block.
vpc_blocks AS (
    SELECT DISTINCT
        family,
        CASE family WHEN 4 THEN first_hi ELSE first_hi >> 8 END AS k1,
        CASE family WHEN 4 THEN first_lo >> 16 ELSE 0 END AS k2
    FROM addresses
),
classes AS (
    SELECT
        r.remote_family,
        r.remote_hi,
        r.remote_lo,
        r.remote_address,
        CASE
            WHEN EXISTS (
                SELECT 1
                FROM owners AS o
                WHERE
                    o.remote_family = r.remote_family
                    AND o.remote_hi = r.remote_hi
                    AND o.remote_lo = r.remote_lo
            ) THEN 'interface'
            WHEN r.remote_family = 4 AND (
                flowsg_ipv4_num(r.remote_address) BETWEEN 167772160 AND 184549375  -- 10/8
                OR flowsg_ipv4_num(r.remote_address) BETWEEN 2886729728 AND 2887778303  -- 172.16/12
                OR flowsg_ipv4_num(r.remote_address) BETWEEN 3232235520 AND 3232301055  -- 192.168/16
                OR flowsg_ipv4_num(r.remote_address) BETWEEN 1681915904 AND 1686110207  -- 100.64/10
            ) THEN 'private'
            -- fc00::/7: the top 7 bits 1111110, 0111110 (62) once the top bit is flipped
            WHEN r.remote_family = 6 AND (r.remote_hi >> 57) = 62 THEN 'private'
            WHEN b.family IS NOT NULL THEN 'private'
            ELSE 'public'
        END AS remote_class
    FROM remotes AS r
    LEFT JOIN vpc_blocks AS b
        ON b.family = r.remote_family
        AND b.k1 = CASE r.remote_family WHEN 4 THEN r.remote_hi ELSE r.remote_hi >> 8 END
        AND b.k2 = CASE r.remote_family WHEN 4 THEN r.remote_lo >> 16 ELSE 0 END
),
-- (interface, protocol, port) of ingress connections that an ingress rule of the interface's
-- groups opens for some source: the protocol and port tests of the matching stage.
open_ports AS (
    SELECT DISTINCT o.interface_id, o.protocol, o.port
    FROM (
        SELECT DISTINCT interface_id, protocol, port
        FROM oriented
        WHERE direction = 'ingress'
    ) AS o
    JOIN interface_groups AS ig ON ig.interface_id = o.interface_id
    JOIN rules AS r ON r.group_id = ig.group_id AND r.direction = 'ingress'
    WHERE
        (r.protocol = -1 OR r.protocol = o.protocol)
        AND (
            r.protocol NOT IN (6, 17)
            OR r.from_port IS NULL
            OR r.from_port = -1
            OR (r.from_port <= 0 AND r.to_port >= 65535)
            OR o.port BETWEEN r.from_port AND r.to_port
        )
),
marked AS (
    SELECT
        o.*,
        c.remote_class,
        coalesce(
            o.direction = 'ingress'
            AND c.remote_class = 'public'
            AND o.verdict <> 'blocked_elsewhere',
            FALSE
        ) AS from_internet,
        p.interface_id IS NULL AS port_closed
    FROM oriented AS o
    LEFT JOIN classes AS c
        ON c.remote_family = o.remote_family
        AND c.remote_hi = o.remote_hi
        AND c.remote_lo = o.remote_lo
        AND c.remote_address = o.remote_address
    LEFT JOIN open_ports AS p
        ON p.interface_id = o.interface_id
        AND p.protocol IS NOT DISTINCT FROM o.protocol
        AND p.port IS NOT DISTINCT FROM o.port
),
scanners AS (
    SELECT DISTINCT remote_family, remote_hi, remote_lo
    FROM marked
    WHERE from_internet AND port_closed
),
grouped AS (
    SELECT
        m.interface_id,
        m.direction,
        m.protocol,
        m.port,
        m.remote_address,
        m.remote_family,
        m.remote_hi,
        m.remote_lo,
        m.remote_class,
        m.verdict,
        m.reason,
        m.from_internet AND (m.port_closed OR s.remote_hi IS NOT NULL) AS noise,
        count(*) AS records,
        bool_or(NOT m.reply) AS has_request,
        min(m."start") AS first_seen,
        max(m."end") AS last_seen
    FROM marked AS m
    LEFT JOIN scanners AS s
        ON s.remote_family = m.remote_family
        AND s.remote_hi = m.remote_hi
        AND s.remote_lo = m.remote_lo
    GROUP BY
        m.interface_id,
        m.direction,
        m.protocol,
        m.port,
        m.remote_address,
        m.remote_family,
        m.remote_hi,
        m.remote_lo,
        m.remote_class,
        m.verdict,
        m.reason,
        m.from_internet AND (m.port_closed OR s.remote_hi IS NOT NULL)
),
members AS (
    SELECT group_id, count(*) AS n_members
    FROM interface_groups
    GROUP BY group_id
),
-- The interface owning each remote address: one in the same VPC as the local interface first.
remote_owner AS (
    SELECT interface_id, remote_family, remote_hi, remote_lo, owner_id
    FROM (
        SELECT
            k.interface_id,
            k.remote_family,
            k.remote_hi,
            k.remote_lo,
            o.owner_id,
            row_number() OVER (
                PARTITION BY k.interface_id, k.remote_family, k.remote_hi, k.remote_lo
                ORDER BY (oi.vpc_id IS NOT DISTINCT FROM li.vpc_id) DESC, o.owner_id
            ) AS rn
        FROM (
            SELECT DISTINCT interface_id, remote_family, remote_hi, remote_lo
            FROM grouped
            WHERE remote_class = 'interface'
        ) AS k
        JOIN owners AS o
            ON o.remote_family = k.remote_family
            AND o.remote_hi = k.remote_hi
            AND o.remote_lo = k.remote_lo
        LEFT JOIN interfaces AS li ON li.interface_id = k.interface_id
        LEFT JOIN interfaces AS oi ON oi.interface_id = o.owner_id
    ) AS ranked
    WHERE rn = 1
),
-- The remote owner's group a rule would reference: the one with the fewest members.
remote_group AS (
    SELECT owner_id, group_id
    FROM (
        SELECT
            ig.interface_id AS owner_id,
            ig.group_id,
            row_number() OVER (
                PARTITION BY ig.interface_id ORDER BY m.n_members, ig.group_id
            ) AS rn
        FROM interface_groups AS ig
        JOIN members AS m ON m.group_id = ig.group_id
        WHERE ig.interface_id IN (SELECT owner_id FROM remote_owner)
    ) AS ranked
    WHERE rn = 1
),
fixable AS (
    SELECT DISTINCT interface_id, direction, protocol, port
    FROM grouped
    WHERE
        verdict = 'no_rule'
        AND has_request
        AND remote_class IN ('interface', 'private')
        AND direction IS NOT NULL
        AND protocol IS NOT NULL
),
-- The local group the rule goes on: fewest members, then one that already has a rule of this
-- direction for this protocol and port, then the lowest id.
local_group AS (
    SELECT interface_id, direction, protocol, port, group_id
    FROM (
        SELECT
            k.interface_id,
            k.direction,
            k.protocol,
            k.port,
            ig.group_id,
            row_number() OVER (
                PARTITION BY k.interface_id, k.direction, k.protocol, k.port
                ORDER BY
                    m.n_members,
                    EXISTS (
                        SELECT 1
                        FROM rules AS r
                        WHERE
                            r.group_id = ig.group_id
                            AND r.direction = k.direction
                            AND (r.protocol = -1 OR r.protocol = k.protocol)
                            AND (
                                r.protocol NOT IN (6, 17)
                                OR r.from_port IS NULL
                                OR r.from_port = -1
                                OR (r.from_port <= 0 AND r.to_port >= 65535)
                                OR k.port BETWEEN r.from_port AND r.to_port
                            )
                    ) DESC,
                    ig.group_id
            ) AS rn
        FROM fixable AS k
        JOIN interface_groups AS ig ON ig.interface_id = k.interface_id
        JOIN members AS m ON m.group_id = ig.group_id
    ) AS ranked
    WHERE rn = 1
)
SELECT
    g.interface_id,
    g.direction,
    g.protocol,
    g.port,
    g.remote_address,
    g.remote_class,
    o.owner_id AS remote_interface,
    g.verdict,
    g.reason,
    g.noise,
    g.records,
    g.first_seen,
    g.last_seen,
    CASE
        WHEN
            g.verdict = 'no_rule'
            AND g.has_request
            AND g.remote_class IN ('interface', 'private')
            AND l.group_id IS NOT NULL
            THEN 'allow '
                || CASE g.protocol
                    WHEN 6 THEN 'tcp'
                    WHEN 17 THEN 'udp'
                    WHEN 1 THEN 'icmp'
                    WHEN 58 THEN 'icmpv6'
                    ELSE 'protocol ' || CAST(g.protocol AS VARCHAR)
                END
                || CASE
                    WHEN g.protocol NOT IN (6, 17) THEN ''
                    WHEN g.port IS NULL THEN ' all ports'
                    ELSE ' ' || CAST(g.port AS VARCHAR)
                END
                || ' ' || g.direction || ' on ' || l.group_id
                || CASE g.direction WHEN 'ingress' THEN ' from ' ELSE ' to ' END
                || coalesce(
                    rg.group_id,
                    g.remote_address || CASE g.remote_family WHEN 6 THEN '/128' ELSE '/32' END
                )
    END AS smallest_fix
FROM grouped AS g
LEFT JOIN remote_owner AS o
    ON o.interface_id = g.interface_id
    AND o.remote_family = g.remote_family
    AND o.remote_hi = g.remote_hi
    AND o.remote_lo = g.remote_lo
LEFT JOIN remote_group AS rg ON rg.owner_id = o.owner_id
LEFT JOIN local_group AS l
    ON l.interface_id = g.interface_id
    AND l.direction = g.direction
    AND l.protocol = g.protocol
    AND l.port IS NOT DISTINCT FROM g.port;
