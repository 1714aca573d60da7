-- Attribution, step 5: orientation and verdict of every key. req/rev = how many rules matched on
-- each side (key_matches); paired = some loaded record is this one's reverse (same interface and
-- protocol, addresses and ports swapped). Orientation, first rule that applies: TCP with SYN:
-- response if SYN-ACK, else request; req only: request; rev only: response, but an unpaired
-- REJECT is a request; both: response when srcport < dstport and (ACCEPT or paired), else
-- request; neither: request. matched_side names the rules that explain the verdict. A record
-- without an action (a format lacking the field) is `skipped` once its interface is known.
-- Reads: key_directions, key_matches, flow_keys. Writes: temp table key_verdicts. Params: none.
CREATE OR REPLACE TEMP TABLE key_verdicts AS
WITH counts AS (
    SELECT
        key_id,
        sum(CASE WHEN side = 'req' THEN 1 ELSE 0 END) AS n_req,
        sum(CASE WHEN side = 'rev' THEN 1 ELSE 0 END) AS n_rev
    FROM key_matches
    GROUP BY key_id
),
paired AS (
    SELECT DISTINCT k.key_id
    FROM flow_keys AS k
    JOIN flow_keys AS o
        ON o.interface_id = k.interface_id
        AND o.protocol = k.protocol
        AND o.srcaddr_hi = k.dstaddr_hi
        AND o.srcaddr_lo = k.dstaddr_lo
        AND o.dstaddr_hi = k.srcaddr_hi
        AND o.dstaddr_lo = k.srcaddr_lo
        AND o.srcport = k.dstport
        AND o.dstport = k.srcport
),
oriented AS (
    SELECT
        d.key_id,
        d.direction,
        d.action,
        d.interface_known,
        d.n_groups,
        coalesce(c.n_req, 0) AS n_req,
        coalesce(c.n_rev, 0) AS n_rev,
        CASE
            WHEN d.tcp_open = 'syn-ack' THEN 'response'
            WHEN d.tcp_open = 'syn' THEN 'request'
            WHEN coalesce(c.n_req, 0) > 0 AND coalesce(c.n_rev, 0) = 0 THEN 'request'
            WHEN coalesce(c.n_rev, 0) > 0 AND coalesce(c.n_req, 0) = 0
                THEN CASE WHEN d.action = 'REJECT' AND p.key_id IS NULL THEN 'request' ELSE 'response' END
            WHEN coalesce(c.n_req, 0) > 0 AND coalesce(c.n_rev, 0) > 0
                THEN CASE
                    WHEN d.srcport < d.dstport AND (d.action = 'ACCEPT' OR p.key_id IS NOT NULL)
                        THEN 'response'
                    ELSE 'request'
                END
            ELSE 'request'
        END AS orientation
    FROM key_directions AS d
    LEFT JOIN counts AS c ON c.key_id = d.key_id
    LEFT JOIN paired AS p ON p.key_id = d.key_id
),
judged AS (
    SELECT
        *,
        CASE
            WHEN NOT interface_known THEN 'unknown_interface'
            WHEN n_groups = 0 THEN 'no_security_group'
            WHEN action IS NULL THEN 'skipped'
            WHEN action = 'ACCEPT' AND orientation = 'request' AND n_req > 0 THEN 'allowed'
            WHEN action = 'ACCEPT' AND orientation = 'response' AND n_rev > 0 THEN 'return'
            WHEN action = 'ACCEPT' THEN 'unexplained'
            WHEN orientation = 'request' AND n_req > 0 THEN 'blocked_elsewhere'
            WHEN orientation = 'response' AND n_rev > 0 THEN 'blocked_elsewhere'
            ELSE 'no_rule'
        END AS verdict
    FROM oriented
)
SELECT
    key_id,
    direction,
    orientation,
    verdict,
    CASE
        WHEN verdict IN ('allowed', 'return', 'blocked_elsewhere')
            THEN CASE orientation WHEN 'request' THEN 'req' ELSE 'rev' END
    END AS matched_side,
    CASE
        WHEN verdict IN ('allowed', 'return', 'blocked_elsewhere')
            THEN CASE orientation WHEN 'request' THEN n_req ELSE n_rev END
        ELSE 0
    END AS n_matched
FROM judged;
