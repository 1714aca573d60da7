-- Attribution, step 7: rewrites flows with every record's direction, verdict, matched_rule_ids
-- (sorted; empty when no rule explains the verdict) and reason. A record takes the verdict of its
-- key (flow_keys); NODATA/SKIPDATA records are `skipped`.
-- reason: why a record is skipped; that its direction is unknown; 'VPC Block Public Access' for a
-- REJECT with reject-reason BPA; for blocked_elsewhere, the network ACL entry that denies it
-- (key_nacl; the `*` rule written 'rule 32767 (*)' or 'rule 32768 (*)'), else that the cause is
-- not a security group; for no_rule, that its network ACL denies it too; NULL otherwise.
-- Reads: flows, flow_keys, key_directions, key_verdicts, key_rule_lists, key_nacl.
-- Writes: table flows.
-- Params: none.
CREATE OR REPLACE TABLE flows AS
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
    coalesce(f.flow_direction, d.direction) AS direction,
    coalesce(v.verdict, 'skipped') AS verdict,
    flowsg_sorted_ids(l.matched_rule_ids) AS matched_rule_ids,
    CASE
        WHEN f.log_status IN ('NODATA', 'SKIPDATA') THEN 'log-status ' || f.log_status
        WHEN v.verdict = 'skipped' THEN 'no action: the log format has no action field'
        WHEN v.verdict IN ('unexplained', 'no_rule') AND d.direction IS NULL
            THEN 'direction unknown: neither address belongs to the interface'
        WHEN f.action = 'REJECT' AND f.reject_reason = 'BPA' THEN 'VPC Block Public Access'
        WHEN v.verdict = 'blocked_elsewhere' AND n.rule_action = 'deny'
            THEN 'network ACL ' || n.acl_id || ' rule ' || CAST(n.rule_number AS VARCHAR)
                || CASE WHEN n.rule_number >= 32767 THEN ' (*)' ELSE '' END
                || ' denies ' || d.direction
        WHEN v.verdict = 'blocked_elsewhere'
            THEN 'not a security group: network ACL outside the snapshot, or packets after the '
                || 'connection closed'
        WHEN v.verdict = 'no_rule' AND n.rule_action = 'deny'
            THEN 'no security-group rule allows it, and network ACL ' || n.acl_id || ' rule '
                || CAST(n.rule_number AS VARCHAR)
                || CASE WHEN n.rule_number >= 32767 THEN ' (*)' ELSE '' END
                || ' denies ' || d.direction || ' too'
    END AS reason
FROM flows AS f
LEFT JOIN flow_keys AS k
    ON (f.log_status IS NULL OR f.log_status = 'OK')
    AND k.interface_id IS NOT DISTINCT FROM f.interface_id
    AND k.protocol IS NOT DISTINCT FROM f.protocol
    AND k.srcaddr_hi IS NOT DISTINCT FROM f.srcaddr_hi
    AND k.srcaddr_lo IS NOT DISTINCT FROM f.srcaddr_lo
    AND k.dstaddr_hi IS NOT DISTINCT FROM f.dstaddr_hi
    AND k.dstaddr_lo IS NOT DISTINCT FROM f.dstaddr_lo
    AND k.srcport IS NOT DISTINCT FROM f.srcport
    AND k.dstport IS NOT DISTINCT FROM f.dstport
    AND k.flow_direction IS NOT DISTINCT FROM f.flow_direction
    AND k.action IS NOT DISTINCT FROM f.action
    AND k.src_family IS NOT DISTINCT FROM (
        CASE WHEN f.srcaddr_hi IS NOT NULL THEN CASE WHEN contains(f.srcaddr, ':') THEN 6 ELSE 4 END END
    )
    AND k.dst_family IS NOT DISTINCT FROM (
        CASE WHEN f.dstaddr_hi IS NOT NULL THEN CASE WHEN contains(f.dstaddr, ':') THEN 6 ELSE 4 END END
    )
    AND k.tcp_open IS NOT DISTINCT FROM (
        CASE
            WHEN f.protocol = 6 AND (f.tcp_flags & 2) = 2
                THEN CASE WHEN (f.tcp_flags & 18) = 18 THEN 'syn-ack' ELSE 'syn' END
        END
    )
LEFT JOIN key_directions AS d ON d.key_id = k.key_id
LEFT JOIN key_verdicts AS v ON v.key_id = k.key_id
LEFT JOIN key_rule_lists AS l ON l.key_id = k.key_id
LEFT JOIN key_nacl AS n ON n.key_id = k.key_id;
