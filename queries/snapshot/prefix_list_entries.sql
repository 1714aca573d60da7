-- Creates `prefix_list_entries`, one row per CIDR of a managed prefix list (from the Entries files,
-- whose names start with the list's id), with its address range (family, first/last as hi/lo).
-- Reads: snapshot_src_prefix_list_entries (Arrow, registered by flowsg.snapshot).
-- Writes: table prefix_list_entries. Params: none.
CREATE OR REPLACE TABLE prefix_list_entries AS
SELECT
    CAST(prefix_list_id AS VARCHAR) AS prefix_list_id,
    CAST(cidr AS VARCHAR) AS cidr,
    CAST(description AS VARCHAR) AS description,
    CAST(family AS INTEGER) AS family,
    CAST(first_hi AS BIGINT) AS first_hi,
    CAST(first_lo AS BIGINT) AS first_lo,
    CAST(last_hi AS BIGINT) AS last_hi,
    CAST(last_lo AS BIGINT) AS last_lo
FROM snapshot_src_prefix_list_entries;
