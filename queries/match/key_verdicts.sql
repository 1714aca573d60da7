-- Attribution, step 5: orientation and verdict of every key. req/rev = how many rules matched on
-- each side (key_matches); paired = a REJECT that some loaded record is the reverse of (same
-- interface and protocol, addresses and ports swapped; keyed_flows). Orientation, first rule
-- that applies: TCP with SYN: response if SYN-ACK, else request; req only: request; rev only: response, but an unpaired
-- REJECT is a request; both: response when srcport < dstport and (ACCEPT or paired), else
-- request; neither: request. matched_side names the rules that explain the verdict. A record
-- without an action (a format lacking the field) is `skipped` once its interface is known.
-- Reads: key_directions, key_matches. Writes: temp table key_verdicts. Params: none.
CREATE OR REPLACE TEMP TABLE key_verdicts AS
WITH counts AS (
    SELECT
        key_id,
        sum(CASE WHEN side = 'req' THEN 1 ELSE 0 END) AS n_req,
        sum(CASE WHEN side = 'rev' THEN 1 ELSE 0 END) AS n_rev
    FROM key_matches
    GROUP BY key_id
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
                THEN CASE WHEN d.action = 'REJECT' AND NOT d.paired THEN 'request' ELSE 'response' END
            WHEN coalesce(c.n_req, 0) > 0 AND coalesce(c.n_rev, 0) > 0
                THEN CASE
                    WHEN d.src_below AND (d.action = 'ACCEPT' OR d.paired)
                        THEN 'response'
                    ELSE 'request'
                END
            ELSE 'request'
        END AS orientation
    FROM key_directions AS d
    LEFT JOIN counts AS c ON c.key_id = d.key_id
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
