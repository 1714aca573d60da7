-- Creates `nacl_associations`, one row per subnet associated with a network ACL.
-- Reads: snapshot_src_nacl_associations (Arrow, registered by flowsg.snapshot).
-- Writes: table nacl_associations. Params: none.
CREATE OR REPLACE TABLE nacl_associations AS
SELECT
    CAST(acl_id AS VARCHAR) AS acl_id,
    CAST(subnet_id AS VARCHAR) AS subnet_id
FROM snapshot_src_nacl_associations;
