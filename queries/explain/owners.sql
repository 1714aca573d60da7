-- Explain: the interfaces of the snapshot that own an address ($family, $hi, $lo in flowsg's
-- numeric form): a private address of the interface, or inside one of its delegated prefixes.
-- Exact addresses before prefixes, primary before secondary, then by interface id.
-- Reads: addresses, interfaces. Writes: nothing. Params: $family, $hi, $lo.
SELECT
    i.interface_id,
    i.type,
    i.description,
    i.instance_id,
    i.subnet_id,
    i.vpc_id,
    a.kind,
    a.is_primary
FROM addresses AS a
JOIN interfaces AS i ON i.interface_id = a.interface_id
WHERE
    a.family = $family
    AND $hi BETWEEN a.first_hi AND a.last_hi
    AND $lo BETWEEN a.first_lo AND a.last_lo
ORDER BY
    CASE WHEN a.kind IN ('ipv4', 'ipv6') THEN 0 ELSE 1 END,
    CASE WHEN a.is_primary THEN 0 ELSE 1 END,
    i.interface_id;
