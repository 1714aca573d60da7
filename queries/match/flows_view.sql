-- Attribution, step 10: the view `flows`, every record with its direction, verdict,
-- matched_rule_ids and reason, taken from its key's row of flow_verdicts (match/assign_keys.sql
-- gave every record its key_id). The records are stored once (flow_records); the verdicts once per
-- key, so attributing does not write the records a second time.
-- Records that are not judged (key_id 0: log-status NODATA/SKIPDATA) are `skipped`, with the reason
-- 'log-status NODATA' or 'log-status SKIPDATA'. The reason is flow_verdicts' reason_first, else
-- 'VPC Block Public Access' for a REJECT with reject-reason BPA, else reason_last; NULL otherwise.
-- Reads: flow_records, source_files, flow_verdicts. Writes: view flows. Params: none.
CREATE OR REPLACE VIEW flows AS
SELECT
    f.version,
    f.account_id,
    f.interface_id,
    f.srcaddr,
    f.dstaddr,
    f.srcport,
    f.dstport,
    f.protocol,
    f.packets,
    f.bytes,
    f."start",
    f."end",
    f.action,
    f.log_status,
    f.vpc_id,
    f.subnet_id,
    f.instance_id,
    f.tcp_flags,
    f."type",
    f.pkt_srcaddr,
    f.pkt_dstaddr,
    f.region,
    f.az_id,
    f.sublocation_type,
    f.sublocation_id,
    f.pkt_src_aws_service,
    f.pkt_dst_aws_service,
    f.flow_direction,
    f.traffic_path,
    f.ecs_cluster_arn,
    f.ecs_cluster_name,
    f.ecs_container_instance_arn,
    f.ecs_container_instance_id,
    f.ecs_container_id,
    f.ecs_second_container_id,
    f.ecs_service_name,
    f.ecs_task_definition_arn,
    f.ecs_task_arn,
    f.ecs_task_id,
    f.reject_reason,
    f.srcaddr_hi,
    f.srcaddr_lo,
    f.dstaddr_hi,
    f.dstaddr_lo,
    f.pkt_srcaddr_hi,
    f.pkt_srcaddr_lo,
    f.pkt_dstaddr_hi,
    f.pkt_dstaddr_lo,
    s.source_file,
    f.line_number,
    coalesce(f.flow_direction, v.direction) AS direction,
    coalesce(v.verdict, 'skipped') AS verdict,
    coalesce(v.matched_rule_ids, []::VARCHAR[]) AS matched_rule_ids,
    CASE
        WHEN f.key_id = 0 THEN 'log-status ' || f.log_status
        WHEN v.reason_first IS NOT NULL THEN v.reason_first
        WHEN f.action = 'REJECT' AND f.reject_reason = 'BPA' THEN 'VPC Block Public Access'
        ELSE v.reason_last
    END AS reason
FROM flow_records AS f
LEFT JOIN source_files AS s ON s.file_id = f.file_id
LEFT JOIN flow_verdicts AS v ON v.key_id = f.key_id;
