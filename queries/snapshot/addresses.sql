-- Creates `addresses`, one row per private address of a network interface: primary and secondary
-- IPv4 ('ipv4'), delegated IPv4 prefixes ('ipv4_prefix'), IPv6 addresses ('ipv6') and delegated
-- IPv6 prefixes ('ipv6_prefix'), never a public IP; with its address range.
-- Reads: snapshot_src_addresses (Arrow, registered by flowsg.snapshot). Writes: table addresses.
-- Params: none.
CREATE OR REPLACE TABLE addresses AS
SELECT
    CAST(interface_id AS VARCHAR) AS interface_id,
    CAST(address AS VARCHAR) AS address,
    CAST(kind AS VARCHAR) AS kind,
    CAST(is_primary AS BOOLEAN) AS is_primary,
    CAST(family AS INTEGER) AS family,
    CAST(first_hi AS BIGINT) AS first_hi,
    CAST(first_lo AS BIGINT) AS first_lo,
    CAST(last_hi AS BIGINT) AS last_hi,
    CAST(last_lo AS BIGINT) AS last_lo
FROM snapshot_src_addresses;
