-- Appends the rejected rows of a batch split by the fast path (flowsg.ingest._fast_fields) to
-- malformed, with their reason and the line as read, cut to 1,024 characters; returns the file of every row written. The fast path does
-- not keep the lines: only plain lines take it (single spaces, '-' for NULL, known fields only), so
-- a line is its fields in the format's order joined by spaces, rebuilt here for the few rows that
-- need it.
-- Reads: converted, fields_raw (the batch's fields, Arrow). Writes: malformed_loading.
-- Params: $order (INTEGER[]: for each field of the format, in order, its 1-based position in the
--   list of known fields below, the order of flowsg.fields.FIELDS).
INSERT INTO malformed_loading (source_file, line_number, reason, raw)
SELECT
    s.source_file,
    s.line_number,
    s.reason,
    left(
        array_to_string(
            list_select(
                list_value(
                    coalesce(r.version, '-'),
                    coalesce(r.account_id, '-'),
                    coalesce(r.interface_id, '-'),
                    coalesce(r.srcaddr, '-'),
                    coalesce(r.dstaddr, '-'),
                    coalesce(r.srcport, '-'),
                    coalesce(r.dstport, '-'),
                    coalesce(r.protocol, '-'),
                    coalesce(r.packets, '-'),
                    coalesce(r.bytes, '-'),
                    coalesce(r."start", '-'),
                    coalesce(r."end", '-'),
                    coalesce(r.action, '-'),
                    coalesce(r.log_status, '-'),
                    coalesce(r.vpc_id, '-'),
                    coalesce(r.subnet_id, '-'),
                    coalesce(r.instance_id, '-'),
                    coalesce(r.tcp_flags, '-'),
                    coalesce(r."type", '-'),
                    coalesce(r.pkt_srcaddr, '-'),
                    coalesce(r.pkt_dstaddr, '-'),
                    coalesce(r.region, '-'),
                    coalesce(r.az_id, '-'),
                    coalesce(r.sublocation_type, '-'),
                    coalesce(r.sublocation_id, '-'),
                    coalesce(r.pkt_src_aws_service, '-'),
                    coalesce(r.pkt_dst_aws_service, '-'),
                    coalesce(r.flow_direction, '-'),
                    coalesce(r.traffic_path, '-'),
                    coalesce(r.ecs_cluster_arn, '-'),
                    coalesce(r.ecs_cluster_name, '-'),
                    coalesce(r.ecs_container_instance_arn, '-'),
                    coalesce(r.ecs_container_instance_id, '-'),
                    coalesce(r.ecs_container_id, '-'),
                    coalesce(r.ecs_second_container_id, '-'),
                    coalesce(r.ecs_service_name, '-'),
                    coalesce(r.ecs_task_definition_arn, '-'),
                    coalesce(r.ecs_task_arn, '-'),
                    coalesce(r.ecs_task_id, '-'),
                    coalesce(r.reject_reason, '-')
                ),
                $order
            ),
            ' '
        ),
        1024
    )
FROM converted AS s
JOIN fields_raw AS r ON r.source_file = s.source_file AND r.line_number = s.line_number
WHERE s.reason IS NOT NULL
RETURNING source_file;
