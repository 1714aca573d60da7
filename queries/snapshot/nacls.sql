-- Creates `nacls`, one row per network ACL entry: the ACL's id, VPC and default flag, then the
-- entry's rule number, direction, protocol number (-1 all), action, CIDR with its address range,
-- port range and ICMP type/code (NULL when absent or {}).
-- Reads: snapshot_src_nacls (Arrow, registered by flowsg.snapshot). Writes: table nacls.
-- Params: none.
CREATE OR REPLACE TABLE nacls AS
SELECT
    CAST(acl_id AS VARCHAR) AS acl_id,
    CAST(vpc_id AS VARCHAR) AS vpc_id,
    CAST(is_default AS BOOLEAN) AS is_default,
    CAST(rule_number AS INTEGER) AS rule_number,
    CAST(egress AS BOOLEAN) AS egress,
    CAST(protocol AS INTEGER) AS protocol,
    CAST(rule_action AS VARCHAR) AS rule_action,
    CAST(cidr AS VARCHAR) AS cidr,
    CAST(family AS INTEGER) AS family,
    CAST(first_hi AS BIGINT) AS first_hi,
    CAST(first_lo AS BIGINT) AS first_lo,
    CAST(last_hi AS BIGINT) AS last_hi,
    CAST(last_lo AS BIGINT) AS last_lo,
    CAST(from_port AS INTEGER) AS from_port,
    CAST(to_port AS INTEGER) AS to_port,
    CAST(icmp_type AS INTEGER) AS icmp_type,
    CAST(icmp_code AS INTEGER) AS icmp_code
FROM snapshot_src_nacls;
