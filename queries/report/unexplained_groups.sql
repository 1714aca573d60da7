-- Report `unexplained`: the ACCEPTed records no rule of the snapshot explains (verdict
-- unexplained) among those selected by the filters, grouped by connection: interface, direction
-- (ingress when the remote address opened the connection), protocol, service port and remote
-- address; with records, replies (how many of them are the connection's replies), first_seen and
-- last_seen (unix seconds: first start, last end) and a hint; most records first.
-- A record is a reply when the connection's TCP handshake says so (its own flags, or those of any
-- loaded record of the same connection at the interface: the sender of a SYN is the client, of a
-- SYN-ACK the server); without a handshake, when its source port is lower than its destination
-- port (the lower port taken as the service). A reply's direction is the opposite of its record's
-- and its service port is its source port; a request's are its record's direction and
-- destination port. The remote address is srcaddr for ingress records (and when the direction is
-- unknown), dstaddr for egress records.
-- hint: the snapshot and the logs cover different times, or a rule was removed while connections
-- stayed tracked; 'stopped at HH:MM' (UTC; the date too when it is not the day of the interface's
-- last record) first when the group's last record ends more than $stop_margin seconds before the
-- last record of its interface among the selected times.
-- Reads: flows (the unexplained records), flow_records (the handshakes and each interface's
-- last record, which need no verdict), interface_groups, security_groups. Writes: nothing.
-- Params: $group (a security group id: only interfaces that have it), $interface (an interface
--   id), $since and $until (unix seconds: records whose start is in [since, until)), NULL for
--   none; $stop_margin (seconds).
WITH selected AS (
    SELECT
        f.interface_id,
        f.direction,
        f.protocol,
        f.srcaddr,
        f.dstaddr,
        f.srcaddr_hi,
        f.srcaddr_lo,
        f.dstaddr_hi,
        f.dstaddr_lo,
        f.srcport,
        f.dstport,
        f.tcp_flags,
        f."start",
        f."end"
    FROM flows AS f
    WHERE
        f.verdict = 'unexplained'
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
handshakes AS (
    SELECT
        interface_id,
        srcaddr_hi,
        srcaddr_lo,
        srcport,
        dstaddr_hi,
        dstaddr_lo,
        dstport,
        bool_or((tcp_flags & 18) = 2) AS syn,
        bool_or((tcp_flags & 18) = 18) AS syn_ack
    FROM flow_records
    WHERE
        protocol = 6
        AND (tcp_flags & 2) = 2
        AND interface_id IN (SELECT interface_id FROM selected WHERE protocol = 6)
    GROUP BY interface_id, srcaddr_hi, srcaddr_lo, srcport, dstaddr_hi, dstaddr_lo, dstport
),
judged AS (
    SELECT
        s.*,
        CASE
            WHEN s.direction IS NULL THEN FALSE
            WHEN s.protocol = 6 AND (s.tcp_flags & 18) = 18 THEN TRUE
            WHEN s.protocol = 6 AND (s.tcp_flags & 18) = 2 THEN FALSE
            WHEN coalesce(same.syn, FALSE) OR coalesce(rev.syn_ack, FALSE) THEN FALSE
            WHEN coalesce(same.syn_ack, FALSE) OR coalesce(rev.syn, FALSE) THEN TRUE
            ELSE coalesce(s.srcport < s.dstport, FALSE)
        END AS reply
    FROM selected AS s
    LEFT JOIN handshakes AS same
        ON s.protocol = 6
        AND same.interface_id = s.interface_id
        AND same.srcaddr_hi = s.srcaddr_hi
        AND same.srcaddr_lo = s.srcaddr_lo
        AND same.srcport = s.srcport
        AND same.dstaddr_hi = s.dstaddr_hi
        AND same.dstaddr_lo = s.dstaddr_lo
        AND same.dstport = s.dstport
    LEFT JOIN handshakes AS rev
        ON s.protocol = 6
        AND rev.interface_id = s.interface_id
        AND rev.srcaddr_hi = s.dstaddr_hi
        AND rev.srcaddr_lo = s.dstaddr_lo
        AND rev.srcport = s.dstport
        AND rev.dstaddr_hi = s.srcaddr_hi
        AND rev.dstaddr_lo = s.srcaddr_lo
        AND rev.dstport = s.srcport
),
oriented AS (
    SELECT
        interface_id,
        protocol,
        reply,
        "start",
        "end",
        CASE WHEN direction = 'egress' THEN dstaddr ELSE srcaddr END AS remote_address,
        CASE
            WHEN NOT reply THEN direction
            WHEN direction = 'ingress' THEN 'egress'
            WHEN direction = 'egress' THEN 'ingress'
        END AS direction,
        CASE WHEN reply THEN srcport ELSE dstport END AS port
    FROM judged
),
grouped AS (
    SELECT
        interface_id,
        direction,
        protocol,
        port,
        remote_address,
        count(*) AS records,
        count(*) FILTER (WHERE reply) AS replies,
        min("start") AS first_seen,
        max("end") AS last_seen
    FROM oriented
    GROUP BY interface_id, direction, protocol, port, remote_address
),
window_end AS (
    SELECT interface_id, max("end") AS last_end
    FROM flow_records
    WHERE
        interface_id IN (SELECT interface_id FROM grouped)
        AND ($since IS NULL OR "start" >= $since)
        AND ($until IS NULL OR "start" < $until)
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
    g.interface_id,
    coalesce(n.group_ids, []::VARCHAR[]) AS group_ids,
    coalesce(n.group_names, []::VARCHAR[]) AS group_names,
    g.direction,
    CASE g.protocol
        WHEN 6 THEN 'tcp'
        WHEN 17 THEN 'udp'
        WHEN 1 THEN 'icmp'
        WHEN 58 THEN 'icmpv6'
        ELSE CAST(g.protocol AS VARCHAR)
    END AS protocol,
    g.port,
    g.remote_address,
    g.records,
    g.replies,
    g.first_seen,
    g.last_seen,
    CASE
        WHEN g.direction IS NULL
            THEN 'direction unknown: neither address belongs to the interface in the snapshot, '
                || 'so no rule can match'
        WHEN g.last_seen < w.last_end - $stop_margin
            THEN 'stopped at '
                || CASE
                    WHEN g.last_seen // 86400 = w.last_end // 86400
                        THEN strftime(make_timestamp(g.last_seen * 1000000), '%H:%M')
                    ELSE strftime(make_timestamp(g.last_seen * 1000000), '%Y-%m-%d %H:%M')
                END
                || ': a rule may have been removed then while connections stayed tracked, '
                || 'or the snapshot and the logs cover different times'
        ELSE 'the snapshot and the logs cover different times, or a rule was removed while '
            || 'connections stayed tracked'
    END AS hint
FROM grouped AS g
LEFT JOIN window_end AS w ON w.interface_id = g.interface_id
LEFT JOIN names AS n ON n.interface_id = g.interface_id
ORDER BY g.records DESC, g.interface_id, g.direction, g.protocol, g.port, g.remote_address;
