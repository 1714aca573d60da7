-- Creates `flow_records`, one row per flow-log record (NODATA and SKIPDATA included), if it does
-- not exist; users read it through the view `flows` (ingest/flows_view.sql, match/flows_view.sql).
-- One column per known field (AWS name with '-' -> '_'; NULL where the file's format lacks the field
-- or the record has '-'), the numeric forms of the four address fields, and where the record came from.
-- <addr>_hi / <addr>_lo: the address as a 128-bit number (IPv4 as IPv4-mapped IPv6, ::ffff:a.b.c.d),
-- high and low 64 bits, each stored as a BIGINT with its top bit flipped (unsigned value - 2^63), so
-- that plain signed comparisons of (hi, lo) follow address order and range joins need no extension.
-- file_id: the record's file (source_files), whose path the view `flows` gives as source_file.
-- key_id: the record's attribution key (match/assign_keys.sql): NULL until attributed, 0 for a
-- record that is not judged (log-status NODATA/SKIPDATA), else a key of flow_verdicts.
-- Reads: nothing. Writes: table flow_records. Params: none.
CREATE TABLE IF NOT EXISTS flow_records (
    version INTEGER,
    account_id VARCHAR,
    interface_id VARCHAR,
    srcaddr VARCHAR,
    dstaddr VARCHAR,
    srcport INTEGER,
    dstport INTEGER,
    protocol INTEGER,
    packets BIGINT,
    bytes BIGINT,
    "start" BIGINT,
    "end" BIGINT,
    action VARCHAR,
    log_status VARCHAR,
    vpc_id VARCHAR,
    subnet_id VARCHAR,
    instance_id VARCHAR,
    tcp_flags INTEGER,
    "type" VARCHAR,
    pkt_srcaddr VARCHAR,
    pkt_dstaddr VARCHAR,
    region VARCHAR,
    az_id VARCHAR,
    sublocation_type VARCHAR,
    sublocation_id VARCHAR,
    pkt_src_aws_service VARCHAR,
    pkt_dst_aws_service VARCHAR,
    flow_direction VARCHAR,
    traffic_path INTEGER,
    ecs_cluster_arn VARCHAR,
    ecs_cluster_name VARCHAR,
    ecs_container_instance_arn VARCHAR,
    ecs_container_instance_id VARCHAR,
    ecs_container_id VARCHAR,
    ecs_second_container_id VARCHAR,
    ecs_service_name VARCHAR,
    ecs_task_definition_arn VARCHAR,
    ecs_task_arn VARCHAR,
    ecs_task_id VARCHAR,
    reject_reason VARCHAR,
    srcaddr_hi BIGINT,
    srcaddr_lo BIGINT,
    dstaddr_hi BIGINT,
    dstaddr_lo BIGINT,
    pkt_srcaddr_hi BIGINT,
    pkt_srcaddr_lo BIGINT,
    pkt_dstaddr_hi BIGINT,
    pkt_dstaddr_lo BIGINT,
    file_id INTEGER NOT NULL,
    line_number BIGINT NOT NULL,
    key_id BIGINT
);
