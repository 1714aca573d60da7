-- The view `flow_records`: every loaded record (NODATA and SKIPDATA included) with one column per
-- known field, whatever fields its file had. The records are stored in `flow_store`, which holds only
-- the columns some loaded file had (a load adds a column when a format brings a new field): the 30 or
-- so fields the default format lacks take no space and no time to write. This view gives them back as
-- NULL: the typed row below, which yields no record, fixes every column's name, type and order, and
-- UNION ALL BY NAME fills the columns flow_store lacks with NULL.
-- Columns: one per known field (AWS name with '-' -> '_'; NULL where the file's format lacks the
-- field or the record has '-'), the numeric forms of the four address fields, and where the record
-- came from. <addr>_hi / <addr>_lo: the address as a 128-bit number (IPv4 as IPv4-mapped IPv6,
-- ::ffff:a.b.c.d), high and low 64 bits, each stored as a BIGINT with its top bit flipped (unsigned
-- value - 2^63), so that plain signed comparisons of (hi, lo) follow address order and range joins
-- need no extension. file_id: the record's file (source_files), whose path the view `flows` gives
-- as source_file. key_id: the record's attribution key (match/assign_keys.sql): NULL until
-- attributed, 0 for a record that is not judged (log-status NODATA/SKIPDATA), else a key of
-- flow_verdicts. record_row: the record's row in flow_store (DuckDB's rowid), by which
-- match/assign_keys.sql writes its key_id.
-- The column types here are the ones a load gives flow_store's columns (flowsg.ingest reads them
-- from this view). DuckDB-only: UNION ALL BY NAME and rowid; another engine has its own storage.
-- Reads: flow_store. Writes: view flow_records. Params: none.
CREATE OR REPLACE VIEW flow_records AS
SELECT *
FROM (
    SELECT
        CAST(NULL AS INTEGER) AS version,
        CAST(NULL AS VARCHAR) AS account_id,
        CAST(NULL AS VARCHAR) AS interface_id,
        CAST(NULL AS VARCHAR) AS srcaddr,
        CAST(NULL AS VARCHAR) AS dstaddr,
        CAST(NULL AS INTEGER) AS srcport,
        CAST(NULL AS INTEGER) AS dstport,
        CAST(NULL AS INTEGER) AS protocol,
        CAST(NULL AS BIGINT) AS packets,
        CAST(NULL AS BIGINT) AS bytes,
        CAST(NULL AS BIGINT) AS "start",
        CAST(NULL AS BIGINT) AS "end",
        CAST(NULL AS VARCHAR) AS action,
        CAST(NULL AS VARCHAR) AS log_status,
        CAST(NULL AS VARCHAR) AS vpc_id,
        CAST(NULL AS VARCHAR) AS subnet_id,
        CAST(NULL AS VARCHAR) AS instance_id,
        CAST(NULL AS INTEGER) AS tcp_flags,
        CAST(NULL AS VARCHAR) AS "type",
        CAST(NULL AS VARCHAR) AS pkt_srcaddr,
        CAST(NULL AS VARCHAR) AS pkt_dstaddr,
        CAST(NULL AS VARCHAR) AS region,
        CAST(NULL AS VARCHAR) AS az_id,
        CAST(NULL AS VARCHAR) AS sublocation_type,
        CAST(NULL AS VARCHAR) AS sublocation_id,
        CAST(NULL AS VARCHAR) AS pkt_src_aws_service,
        CAST(NULL AS VARCHAR) AS pkt_dst_aws_service,
        CAST(NULL AS VARCHAR) AS flow_direction,
        CAST(NULL AS INTEGER) AS traffic_path,
        CAST(NULL AS VARCHAR) AS ecs_cluster_arn,
        CAST(NULL AS VARCHAR) AS ecs_cluster_name,
        CAST(NULL AS VARCHAR) AS ecs_container_instance_arn,
        CAST(NULL AS VARCHAR) AS ecs_container_instance_id,
        CAST(NULL AS VARCHAR) AS ecs_container_id,
        CAST(NULL AS VARCHAR) AS ecs_second_container_id,
        CAST(NULL AS VARCHAR) AS ecs_service_name,
        CAST(NULL AS VARCHAR) AS ecs_task_definition_arn,
        CAST(NULL AS VARCHAR) AS ecs_task_arn,
        CAST(NULL AS VARCHAR) AS ecs_task_id,
        CAST(NULL AS VARCHAR) AS reject_reason,
        CAST(NULL AS BIGINT) AS srcaddr_hi,
        CAST(NULL AS BIGINT) AS srcaddr_lo,
        CAST(NULL AS BIGINT) AS dstaddr_hi,
        CAST(NULL AS BIGINT) AS dstaddr_lo,
        CAST(NULL AS BIGINT) AS pkt_srcaddr_hi,
        CAST(NULL AS BIGINT) AS pkt_srcaddr_lo,
        CAST(NULL AS BIGINT) AS pkt_dstaddr_hi,
        CAST(NULL AS BIGINT) AS pkt_dstaddr_lo,
        CAST(NULL AS INTEGER) AS file_id,
        CAST(NULL AS BIGINT) AS line_number,
        CAST(NULL AS BIGINT) AS key_id,
        CAST(NULL AS BIGINT) AS record_row
) AS shape
WHERE false
UNION ALL BY NAME
SELECT
    *,
    rowid AS record_row
FROM flow_store;
