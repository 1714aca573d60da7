-- Creates `interface_groups`, one row per security group attached to a network interface: the
-- join table from an interface to its groups (and from a group to its member interfaces).
-- Reads: snapshot_src_interface_groups (Arrow, registered by flowsg.snapshot).
-- Writes: table interface_groups. Params: none.
CREATE OR REPLACE TABLE interface_groups AS
SELECT
    CAST(interface_id AS VARCHAR) AS interface_id,
    CAST(group_id AS VARCHAR) AS group_id
FROM snapshot_src_interface_groups;
