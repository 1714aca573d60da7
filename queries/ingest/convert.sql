-- Checks and types the fields of one batch: integers (plain digits, within their range; a start or
-- end above 2^32 = 4294967296 is in milliseconds and becomes seconds), addresses (with their numeric
-- forms from ip_numbers), action, log-status and flow-direction values. Each row gets the first problem found
-- as `reason`, or NULL when it is a good record.
-- Reads: fields_raw, ip_numbers. Writes: temp table staged (the columns of flows, plus raw and
--   reason).
-- Params: $n_fields (fields in the batch's format; rows from Parquet have n_tokens NULL and skip
--   that check); $tgw (true when the format is a Transit Gateway flow log's).
CREATE OR REPLACE TEMP TABLE staged AS
SELECT
    r.source_file,
    r.line_number,
    r.raw,
    coalesce(
        r.pre_reason,
        CASE WHEN $tgw THEN 'Transit Gateway flow log record (not supported)' END,
        CASE
            WHEN r.n_tokens <> $n_fields
                THEN 'wrong number of fields: ' || r.n_tokens || ', expected ' || $n_fields
        END,
        flowsg_int_problem('version', r.version, 2147483647),
        flowsg_int_problem('srcport', r.srcport, 65535),
        flowsg_int_problem('dstport', r.dstport, 65535),
        flowsg_int_problem('protocol', r.protocol, 255),
        flowsg_int_problem('packets', r.packets, 9223372036854775807),
        flowsg_int_problem('bytes', r.bytes, 9223372036854775807),
        flowsg_int_problem('start', r."start", 9223372036854775807),
        flowsg_int_problem('end', r."end", 9223372036854775807),
        flowsg_int_problem('tcp-flags', r.tcp_flags, 65535),
        flowsg_int_problem('traffic-path', r.traffic_path, 2147483647),
        CASE WHEN r.srcaddr IS NOT NULL AND s.addr IS NULL THEN 'not an IP address: srcaddr' END,
        CASE WHEN r.dstaddr IS NOT NULL AND d.addr IS NULL THEN 'not an IP address: dstaddr' END,
        CASE
            WHEN r.pkt_srcaddr IS NOT NULL AND ps.addr IS NULL THEN 'not an IP address: pkt-srcaddr'
        END,
        CASE
            WHEN r.pkt_dstaddr IS NOT NULL AND pd.addr IS NULL THEN 'not an IP address: pkt-dstaddr'
        END,
        CASE WHEN r.action NOT IN ('ACCEPT', 'REJECT') THEN 'unknown action' END,
        CASE WHEN r.log_status NOT IN ('OK', 'NODATA', 'SKIPDATA') THEN 'unknown log-status' END,
        CASE
            WHEN r.flow_direction NOT IN ('ingress', 'egress') THEN 'unknown flow-direction'
        END
    ) AS reason,
    TRY_CAST(r.version AS INTEGER) AS version,
    r.account_id,
    r.interface_id,
    r.srcaddr,
    r.dstaddr,
    TRY_CAST(r.srcport AS INTEGER) AS srcport,
    TRY_CAST(r.dstport AS INTEGER) AS dstport,
    TRY_CAST(r.protocol AS INTEGER) AS protocol,
    TRY_CAST(r.packets AS BIGINT) AS packets,
    TRY_CAST(r.bytes AS BIGINT) AS bytes,
    CASE
        WHEN TRY_CAST(r."start" AS BIGINT) > 4294967296 THEN TRY_CAST(r."start" AS BIGINT) // 1000
        ELSE TRY_CAST(r."start" AS BIGINT)
    END AS "start",
    CASE
        WHEN TRY_CAST(r."end" AS BIGINT) > 4294967296 THEN TRY_CAST(r."end" AS BIGINT) // 1000
        ELSE TRY_CAST(r."end" AS BIGINT)
    END AS "end",
    r.action,
    r.log_status,
    r.vpc_id,
    r.subnet_id,
    r.instance_id,
    TRY_CAST(r.tcp_flags AS INTEGER) AS tcp_flags,
    r."type",
    r.pkt_srcaddr,
    r.pkt_dstaddr,
    r.region,
    r.az_id,
    r.sublocation_type,
    r.sublocation_id,
    r.pkt_src_aws_service,
    r.pkt_dst_aws_service,
    r.flow_direction,
    TRY_CAST(r.traffic_path AS INTEGER) AS traffic_path,
    r.ecs_cluster_arn,
    r.ecs_cluster_name,
    r.ecs_container_instance_arn,
    r.ecs_container_instance_id,
    r.ecs_container_id,
    r.ecs_second_container_id,
    r.ecs_service_name,
    r.ecs_task_definition_arn,
    r.ecs_task_arn,
    r.ecs_task_id,
    r.reject_reason,
    s.hi AS srcaddr_hi,
    s.lo AS srcaddr_lo,
    d.hi AS dstaddr_hi,
    d.lo AS dstaddr_lo,
    ps.hi AS pkt_srcaddr_hi,
    ps.lo AS pkt_srcaddr_lo,
    pd.hi AS pkt_dstaddr_hi,
    pd.lo AS pkt_dstaddr_lo
FROM fields_raw AS r
LEFT JOIN ip_numbers AS s ON s.addr = r.srcaddr
LEFT JOIN ip_numbers AS d ON d.addr = r.dstaddr
LEFT JOIN ip_numbers AS ps ON ps.addr = r.pkt_srcaddr
LEFT JOIN ip_numbers AS pd ON pd.addr = r.pkt_dstaddr;
