-- Creates `prefix_lists`, one row per managed prefix list described (PrefixLists) or with an
-- Entries file, and how many entries were loaded for it (0 without an Entries file).
-- Reads: snapshot_src_prefix_lists (Arrow, registered by flowsg.snapshot), prefix_list_entries.
-- Writes: table prefix_lists. Params: none.
CREATE OR REPLACE TABLE prefix_lists AS
SELECT
    CAST(l.prefix_list_id AS VARCHAR) AS prefix_list_id,
    CAST(l.name AS VARCHAR) AS name,
    CAST(l.address_family AS VARCHAR) AS address_family,
    CAST(l.owner_id AS VARCHAR) AS owner_id,
    CAST(l.max_entries AS INTEGER) AS max_entries,
    CAST(coalesce(e.n, 0) AS INTEGER) AS entries
FROM snapshot_src_prefix_lists AS l
LEFT JOIN (
    SELECT prefix_list_id, count(*) AS n
    FROM prefix_list_entries
    GROUP BY prefix_list_id
) AS e ON e.prefix_list_id = l.prefix_list_id
ORDER BY l.seq;
