-- Attribution, step 8: the records of flows with every record's direction, verdict,
-- matched_rule_ids and reason, as flows_attributed (it replaces flows: replace_flows, rename_flows). A record takes them from its key (keyed_flows, key_results); NODATA/SKIPDATA
-- records are `skipped`, with the reason 'log-status NODATA' or 'log-status SKIPDATA'. The reason
-- is key_results' reason_first, else 'VPC Block Public Access' for a REJECT with reject-reason
-- BPA, else key_results' reason_last; NULL otherwise.
-- Reads: keyed_flows, key_results. Writes: table flows_attributed. Params: none.
CREATE OR REPLACE TABLE flows_attributed AS
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
    f.source_file,
    f.line_number,
    coalesce(f.flow_direction, k.direction) AS direction,
    coalesce(k.verdict, 'skipped') AS verdict,
    coalesce(k.matched_rule_ids, []::VARCHAR[]) AS matched_rule_ids,
    CASE
        WHEN NOT f.keyed THEN 'log-status ' || f.log_status
        WHEN k.reason_first IS NOT NULL THEN k.reason_first
        WHEN f.action = 'REJECT' AND f.reject_reason = 'BPA' THEN 'VPC Block Public Access'
        ELSE k.reason_last
    END AS reason
FROM keyed_flows AS f
LEFT JOIN key_results AS k
    ON f.keyed
    AND k.interface_id IS NOT DISTINCT FROM f.interface_id
    AND k.protocol IS NOT DISTINCT FROM f.protocol
    AND k.srcaddr_hi IS NOT DISTINCT FROM f.srcaddr_hi
    AND k.srcaddr_lo IS NOT DISTINCT FROM f.srcaddr_lo
    AND k.dstaddr_hi IS NOT DISTINCT FROM f.dstaddr_hi
    AND k.dstaddr_lo IS NOT DISTINCT FROM f.dstaddr_lo
    AND k.src_family IS NOT DISTINCT FROM f.src_family
    AND k.dst_family IS NOT DISTINCT FROM f.dst_family
    AND k.srcport_class IS NOT DISTINCT FROM f.srcport_class
    AND k.dstport_class IS NOT DISTINCT FROM f.dstport_class
    AND k.src_below IS NOT DISTINCT FROM f.src_below
    AND k.flow_direction IS NOT DISTINCT FROM f.flow_direction
    AND k.action IS NOT DISTINCT FROM f.action
    AND k.tcp_open IS NOT DISTINCT FROM f.tcp_open
    AND k.paired IS NOT DISTINCT FROM f.paired;
