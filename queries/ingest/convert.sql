-- The batch in fields_raw checked and typed, as a view (nothing is stored: insert_flows.sql reads
-- the good rows straight into flows, the insert_malformed statements the others). Checks, in
-- order, the first problem found being the row's `reason`: problems found while splitting
-- (pre_reason), a Transit Gateway format, the number of fields, integers (plain digits, within
-- their range; a start or end above 2^32 = 4294967296 is in milliseconds and becomes seconds,
-- and at most 253402300799999, the last millisecond of 9999, is a time at all),
-- the four address fields (per distinct address: ip_numbers), then action, log-status and
-- flow-direction values. Every integer field is cast once (n_<field>); the check and the typed
-- value both use it. Addresses get their numeric forms from ip_numbers.
-- The checks are written twice: first as one condition that every good row meets (each check's
-- condition without its message; an integer only when the reader saw plain digits), and only the
-- rows that fail it, nearly none, get the first problem's message. Evaluating the twenty
-- messages for every row took 0.44 s a million rows, the condition first 0.37 s, on the thread
-- that bounds a load. A check added to the messages must be added to the condition too.
-- Reads: fields_raw (with the batch's n_fields, NULL for Parquet, which skips that check; tgw,
--   true for a Transit Gateway format; ints_plain, see flowsg_int_problem), ip_numbers.
-- Writes: temp view converted (the columns of flows, plus raw and reason). Params: none.
CREATE OR REPLACE TEMP VIEW converted AS
SELECT
    r.source_file,
    r.line_number,
    r.raw,
    CASE
        WHEN coalesce(
            r.pre_reason IS NULL
            AND NOT coalesce(r.tgw, false)
            AND coalesce(r.n_tokens = r.n_fields, true)
            AND r.ints_plain
            AND (r.version IS NULL OR r.n_version <= 2147483647)
            AND (r.srcport IS NULL OR r.n_srcport <= 65535)
            AND (r.dstport IS NULL OR r.n_dstport <= 65535)
            AND (r.protocol IS NULL OR r.n_protocol <= 255)
            AND (r.packets IS NULL OR r.n_packets <= 9223372036854775807)
            AND (r.bytes IS NULL OR r.n_bytes <= 9223372036854775807)
            AND (r."start" IS NULL OR r.n_start <= 253402300799999)
            AND (r."end" IS NULL OR r.n_end <= 253402300799999)
            AND (r.tcp_flags IS NULL OR r.n_tcp_flags <= 65535)
            AND (r.traffic_path IS NULL OR r.n_traffic_path <= 2147483647)
            AND (r.srcaddr IS NULL OR s.addr IS NOT NULL)
            AND (r.dstaddr IS NULL OR d.addr IS NOT NULL)
            AND (r.pkt_srcaddr IS NULL OR ps.addr IS NOT NULL)
            AND (r.pkt_dstaddr IS NULL OR pd.addr IS NOT NULL)
            AND (r.action IS NULL OR r.action IN ('ACCEPT', 'REJECT'))
            AND (r.log_status IS NULL OR r.log_status IN ('OK', 'NODATA', 'SKIPDATA'))
            AND (r.flow_direction IS NULL OR r.flow_direction IN ('ingress', 'egress')),
            false
        ) THEN NULL
        ELSE coalesce(
            r.pre_reason,
            CASE WHEN r.tgw THEN 'Transit Gateway flow log record (not supported)' END,
            CASE
                WHEN r.n_tokens <> r.n_fields
                    THEN 'wrong number of fields: ' || r.n_tokens || ', expected ' || r.n_fields
            END,
            flowsg_int_problem('version', r.version, r.n_version, 2147483647, r.ints_plain),
            flowsg_int_problem('srcport', r.srcport, r.n_srcport, 65535, r.ints_plain),
            flowsg_int_problem('dstport', r.dstport, r.n_dstport, 65535, r.ints_plain),
            flowsg_int_problem('protocol', r.protocol, r.n_protocol, 255, r.ints_plain),
            flowsg_int_problem('packets', r.packets, r.n_packets, 9223372036854775807, r.ints_plain),
            flowsg_int_problem('bytes', r.bytes, r.n_bytes, 9223372036854775807, r.ints_plain),
            flowsg_int_problem('start', r."start", r.n_start, 253402300799999, r.ints_plain),
            flowsg_int_problem('end', r."end", r.n_end, 253402300799999, r.ints_plain),
            flowsg_int_problem('tcp-flags', r.tcp_flags, r.n_tcp_flags, 65535, r.ints_plain),
            flowsg_int_problem('traffic-path', r.traffic_path, r.n_traffic_path, 2147483647, r.ints_plain),
            CASE WHEN r.srcaddr IS NOT NULL AND s.addr IS NULL THEN 'not an IP address: srcaddr' END,
            CASE WHEN r.dstaddr IS NOT NULL AND d.addr IS NULL THEN 'not an IP address: dstaddr' END,
            CASE
                WHEN r.pkt_srcaddr IS NOT NULL AND ps.addr IS NULL
                    THEN 'not an IP address: pkt-srcaddr'
            END,
            CASE
                WHEN r.pkt_dstaddr IS NOT NULL AND pd.addr IS NULL
                    THEN 'not an IP address: pkt-dstaddr'
            END,
            CASE WHEN r.action NOT IN ('ACCEPT', 'REJECT') THEN 'unknown action' END,
            CASE WHEN r.log_status NOT IN ('OK', 'NODATA', 'SKIPDATA') THEN 'unknown log-status' END,
            CASE
                WHEN r.flow_direction NOT IN ('ingress', 'egress') THEN 'unknown flow-direction'
            END
        )
    END AS reason,
    TRY_CAST(r.n_version AS INTEGER) AS version,
    r.account_id,
    r.interface_id,
    r.srcaddr,
    r.dstaddr,
    TRY_CAST(r.n_srcport AS INTEGER) AS srcport,
    TRY_CAST(r.n_dstport AS INTEGER) AS dstport,
    TRY_CAST(r.n_protocol AS INTEGER) AS protocol,
    r.n_packets AS packets,
    r.n_bytes AS bytes,
    CASE WHEN r.n_start > 4294967296 THEN r.n_start // 1000 ELSE r.n_start END AS "start",
    CASE WHEN r.n_end > 4294967296 THEN r.n_end // 1000 ELSE r.n_end END AS "end",
    r.action,
    r.log_status,
    r.vpc_id,
    r.subnet_id,
    r.instance_id,
    TRY_CAST(r.n_tcp_flags AS INTEGER) AS tcp_flags,
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
    TRY_CAST(r.n_traffic_path AS INTEGER) AS traffic_path,
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
FROM (
    SELECT
        *,
        TRY_CAST(version AS BIGINT) AS n_version,
        TRY_CAST(srcport AS BIGINT) AS n_srcport,
        TRY_CAST(dstport AS BIGINT) AS n_dstport,
        TRY_CAST(protocol AS BIGINT) AS n_protocol,
        TRY_CAST(packets AS BIGINT) AS n_packets,
        TRY_CAST(bytes AS BIGINT) AS n_bytes,
        TRY_CAST("start" AS BIGINT) AS n_start,
        TRY_CAST("end" AS BIGINT) AS n_end,
        TRY_CAST(tcp_flags AS BIGINT) AS n_tcp_flags,
        TRY_CAST(traffic_path AS BIGINT) AS n_traffic_path
    FROM fields_raw
) AS r
LEFT JOIN ip_numbers AS s ON s.addr = r.srcaddr
LEFT JOIN ip_numbers AS d ON d.addr = r.dstaddr
LEFT JOIN ip_numbers AS ps ON ps.addr = r.pkt_srcaddr
LEFT JOIN ip_numbers AS pd ON pd.addr = r.pkt_dstaddr;
