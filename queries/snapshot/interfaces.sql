-- Creates `interfaces`, one row per network interface of the snapshot: type (InterfaceType, an
-- open string), description, subnet, VPC, owner account, attached instance, requester-managed,
-- status and the sorted ids of its security groups.
-- Reads: snapshot_src_interfaces (Arrow, registered by flowsg.snapshot). Writes: table interfaces.
-- Params: none.
CREATE OR REPLACE TABLE interfaces AS
SELECT
    CAST(interface_id AS VARCHAR) AS interface_id,
    CAST(type AS VARCHAR) AS type,
    CAST(description AS VARCHAR) AS description,
    CAST(subnet_id AS VARCHAR) AS subnet_id,
    CAST(vpc_id AS VARCHAR) AS vpc_id,
    CAST(account_id AS VARCHAR) AS account_id,
    CAST(instance_id AS VARCHAR) AS instance_id,
    CAST(requester_managed AS BOOLEAN) AS requester_managed,
    CAST(status AS VARCHAR) AS status,
    CAST(group_ids AS VARCHAR[]) AS group_ids
FROM snapshot_src_interfaces;
