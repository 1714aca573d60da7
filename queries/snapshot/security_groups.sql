-- Creates `security_groups`, one row per security group of the snapshot (an id in several files
-- counts once, the first wins): id, name, description, VPC, owner account and the Name tag.
-- Reads: snapshot_src_groups (Arrow, registered by flowsg.snapshot). Writes: table security_groups.
-- Params: none.
CREATE OR REPLACE TABLE security_groups AS
SELECT
    CAST(group_id AS VARCHAR) AS group_id,
    CAST(group_name AS VARCHAR) AS group_name,
    CAST(description AS VARCHAR) AS description,
    CAST(vpc_id AS VARCHAR) AS vpc_id,
    CAST(owner_id AS VARCHAR) AS owner_id,
    CAST(name_tag AS VARCHAR) AS name_tag
FROM snapshot_src_groups;
