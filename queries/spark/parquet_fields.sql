-- Spark: the rows of the Parquet files in the shape of fields_raw, as flowsg.ingest's
-- _parquet_fields gives them to DuckDB: every known field as text ('-' and '' are NULL; integer
-- columns as their digits, which convert.sql checks and types exactly as text), the row's
-- 1-based position in its file as line_number, no raw line, no token count.
-- Reads: parquet_read (path: Spark's _metadata.file_path, row_index, tgw, and a column per known
--   field, NULL where the file has none), spark_files.
-- Writes: temp view parquet_fields. Params: none.
CREATE OR REPLACE TEMPORARY VIEW parquet_fields AS
SELECT /*+ BROADCAST(f) */
    f.source_file,
    CAST(p.row_index + 1 AS BIGINT) AS line_number,
    CAST(NULL AS STRING) AS raw,
    CAST(NULL AS STRING) AS pre_reason,
    CAST(NULL AS BIGINT) AS n_tokens,
    CAST(NULL AS BIGINT) AS n_fields,
    p.tgw,
    CAST(NULL AS BOOLEAN) AS ints_plain,
    nullif(nullif(CAST(p.version AS STRING), '-'), '') AS version,
    nullif(nullif(CAST(p.account_id AS STRING), '-'), '') AS account_id,
    nullif(nullif(CAST(p.interface_id AS STRING), '-'), '') AS interface_id,
    nullif(nullif(CAST(p.srcaddr AS STRING), '-'), '') AS srcaddr,
    nullif(nullif(CAST(p.dstaddr AS STRING), '-'), '') AS dstaddr,
    nullif(nullif(CAST(p.srcport AS STRING), '-'), '') AS srcport,
    nullif(nullif(CAST(p.dstport AS STRING), '-'), '') AS dstport,
    nullif(nullif(CAST(p.protocol AS STRING), '-'), '') AS protocol,
    nullif(nullif(CAST(p.packets AS STRING), '-'), '') AS packets,
    nullif(nullif(CAST(p.bytes AS STRING), '-'), '') AS bytes,
    nullif(nullif(CAST(p.`start` AS STRING), '-'), '') AS `start`,
    nullif(nullif(CAST(p.`end` AS STRING), '-'), '') AS `end`,
    nullif(nullif(CAST(p.action AS STRING), '-'), '') AS action,
    nullif(nullif(CAST(p.log_status AS STRING), '-'), '') AS log_status,
    nullif(nullif(CAST(p.vpc_id AS STRING), '-'), '') AS vpc_id,
    nullif(nullif(CAST(p.subnet_id AS STRING), '-'), '') AS subnet_id,
    nullif(nullif(CAST(p.instance_id AS STRING), '-'), '') AS instance_id,
    nullif(nullif(CAST(p.tcp_flags AS STRING), '-'), '') AS tcp_flags,
    nullif(nullif(CAST(p.`type` AS STRING), '-'), '') AS `type`,
    nullif(nullif(CAST(p.pkt_srcaddr AS STRING), '-'), '') AS pkt_srcaddr,
    nullif(nullif(CAST(p.pkt_dstaddr AS STRING), '-'), '') AS pkt_dstaddr,
    nullif(nullif(CAST(p.region AS STRING), '-'), '') AS region,
    nullif(nullif(CAST(p.az_id AS STRING), '-'), '') AS az_id,
    nullif(nullif(CAST(p.sublocation_type AS STRING), '-'), '') AS sublocation_type,
    nullif(nullif(CAST(p.sublocation_id AS STRING), '-'), '') AS sublocation_id,
    nullif(nullif(CAST(p.pkt_src_aws_service AS STRING), '-'), '') AS pkt_src_aws_service,
    nullif(nullif(CAST(p.pkt_dst_aws_service AS STRING), '-'), '') AS pkt_dst_aws_service,
    nullif(nullif(CAST(p.flow_direction AS STRING), '-'), '') AS flow_direction,
    nullif(nullif(CAST(p.traffic_path AS STRING), '-'), '') AS traffic_path,
    nullif(nullif(CAST(p.ecs_cluster_arn AS STRING), '-'), '') AS ecs_cluster_arn,
    nullif(nullif(CAST(p.ecs_cluster_name AS STRING), '-'), '') AS ecs_cluster_name,
    nullif(nullif(CAST(p.ecs_container_instance_arn AS STRING), '-'), '') AS ecs_container_instance_arn,
    nullif(nullif(CAST(p.ecs_container_instance_id AS STRING), '-'), '') AS ecs_container_instance_id,
    nullif(nullif(CAST(p.ecs_container_id AS STRING), '-'), '') AS ecs_container_id,
    nullif(nullif(CAST(p.ecs_second_container_id AS STRING), '-'), '') AS ecs_second_container_id,
    nullif(nullif(CAST(p.ecs_service_name AS STRING), '-'), '') AS ecs_service_name,
    nullif(nullif(CAST(p.ecs_task_definition_arn AS STRING), '-'), '') AS ecs_task_definition_arn,
    nullif(nullif(CAST(p.ecs_task_arn AS STRING), '-'), '') AS ecs_task_arn,
    nullif(nullif(CAST(p.ecs_task_id AS STRING), '-'), '') AS ecs_task_id,
    nullif(nullif(CAST(p.reject_reason AS STRING), '-'), '') AS reject_reason
FROM parquet_read AS p
JOIN spark_files AS f ON f.spark_path = p.path;
