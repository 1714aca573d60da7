-- Attribution, step 3: for every distinct remote address, the rules whose peer holds it (a CIDR
-- of the same family, an entry of a prefix list, an address of an interface in a referenced
-- group: all expanded into address ranges by the snapshot stage in rule_peers). Every range is a
-- CIDR block, so containment of a (hi, lo) address is the two BETWEENs below.
-- Reads: key_directions, rule_peers. Writes: temp table remote_peers. Params: none.
CREATE OR REPLACE TEMP TABLE remote_peers AS
SELECT DISTINCT
    r.family,
    r.hi,
    r.lo,
    p.rule_id
FROM (
    SELECT DISTINCT remote_family AS family, remote_hi AS hi, remote_lo AS lo
    FROM key_directions
    WHERE remote_hi IS NOT NULL
) AS r
JOIN rule_peers AS p
    ON p.family = r.family
    AND r.hi BETWEEN p.first_hi AND p.last_hi
    AND r.lo BETWEEN p.first_lo AND p.last_lo;
