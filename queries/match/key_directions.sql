-- Attribution, step 2: the direction of every key and its remote address. Direction is the
-- record's flow-direction when it has one; otherwise ingress when dstaddr is an address of the
-- interface (primary or secondary IPv4, inside a delegated prefix, IPv6), egress when srcaddr is,
-- else unknown (NULL). The remote address is srcaddr for ingress, dstaddr for egress.
-- Also whether the interface is in the snapshot and how many security groups it has.
-- Reads: flow_keys, addresses, interfaces, interface_groups. Writes: temp table key_directions.
-- Params: none.
CREATE OR REPLACE TEMP TABLE key_directions AS
WITH own AS (
    SELECT
        k.key_id,
        max(
            CASE
                WHEN k.dstaddr_hi BETWEEN a.first_hi AND a.last_hi
                    AND k.dstaddr_lo BETWEEN a.first_lo AND a.last_lo
                    AND k.dst_family = a.family THEN 1
                ELSE 0
            END
        ) AS dst_own,
        max(
            CASE
                WHEN k.srcaddr_hi BETWEEN a.first_hi AND a.last_hi
                    AND k.srcaddr_lo BETWEEN a.first_lo AND a.last_lo
                    AND k.src_family = a.family THEN 1
                ELSE 0
            END
        ) AS src_own
    FROM flow_keys AS k
    JOIN addresses AS a ON a.interface_id = k.interface_id
    GROUP BY k.key_id
),
groups_per_interface AS (
    SELECT interface_id, count(*) AS n_groups
    FROM interface_groups
    GROUP BY interface_id
),
directed AS (
    SELECT
        k.*,
        coalesce(
            k.flow_direction,
            CASE WHEN o.dst_own = 1 THEN 'ingress' WHEN o.src_own = 1 THEN 'egress' END
        ) AS direction,
        i.interface_id IS NOT NULL AS interface_known,
        coalesce(g.n_groups, 0) AS n_groups
    FROM flow_keys AS k
    LEFT JOIN own AS o ON o.key_id = k.key_id
    LEFT JOIN interfaces AS i ON i.interface_id = k.interface_id
    LEFT JOIN groups_per_interface AS g ON g.interface_id = k.interface_id
)
SELECT
    *,
    CASE direction WHEN 'ingress' THEN src_family WHEN 'egress' THEN dst_family END
        AS remote_family,
    CASE direction WHEN 'ingress' THEN srcaddr_hi WHEN 'egress' THEN dstaddr_hi END AS remote_hi,
    CASE direction WHEN 'ingress' THEN srcaddr_lo WHEN 'egress' THEN dstaddr_lo END AS remote_lo
FROM directed;
