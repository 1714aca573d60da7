-- Splits the raw text lines of one run of lines that share a format into one VARCHAR column per
-- known field. A line holding a JSON object is unwrapped to its "message" member (CloudWatch Logs
-- subscription and Firehose deliveries); fields are separated by one or more spaces; a leading
-- RFC 3339 timestamp token (CloudWatch Logs export to S3) is dropped when the line has exactly one
-- token more than the format. '-' becomes NULL. Problems found here go to pre_reason; the value
-- checks are in convert.sql.
-- Reads: raw_lines (Arrow: source_file, line_number BIGINT, line VARCHAR), lines of one or more files.
-- Writes: temp table fields_raw (source_file, line_number, raw, pre_reason, n_tokens, n_fields,
--   tgw, ints_plain (NULL: not looked at), a column per field).
-- Params: $max_line (longest line accepted, in bytes); $n_fields (fields in the format); $tgw (a
--   Transit Gateway format);
--   $i_<column> for every known field: its 1-based position in the format, 0 when absent
--   ($i_version, $i_account_id, $i_interface_id, $i_srcaddr, $i_dstaddr, $i_srcport, $i_dstport, $i_protocol, $i_packets, $i_bytes, $i_start, $i_end, $i_action, $i_log_status, $i_vpc_id, $i_subnet_id, $i_instance_id, $i_tcp_flags, $i_type, $i_pkt_srcaddr, $i_pkt_dstaddr, $i_region, $i_az_id, $i_sublocation_type, $i_sublocation_id, $i_pkt_src_aws_service, $i_pkt_dst_aws_service, $i_flow_direction, $i_traffic_path, $i_ecs_cluster_arn, $i_ecs_cluster_name, $i_ecs_container_instance_arn, $i_ecs_container_instance_id, $i_ecs_container_id, $i_ecs_second_container_id, $i_ecs_service_name, $i_ecs_task_definition_arn, $i_ecs_task_arn, $i_ecs_task_id, $i_reject_reason).
CREATE OR REPLACE TEMP TABLE fields_raw AS
WITH unwrapped AS (
    SELECT
        CAST(source_file AS VARCHAR) AS source_file,
        line_number,
        line AS raw,
        CASE
            WHEN strlen(line) > $max_line
                THEN 'line too long: ' || strlen(line) || ' bytes, the limit is ' || $max_line
            WHEN contains(line, chr(65533)) OR contains(line, chr(0)) THEN 'invalid UTF-8 or NUL byte'
            WHEN NOT regexp_matches(line, '[^ \t\r]') THEN 'empty line'
            WHEN starts_with(line, '{') AND NOT json_valid(line) THEN 'not valid JSON'
            WHEN starts_with(line, '{') AND json_extract_string(line, '$.message') IS NULL
                THEN 'JSON line without a "message" member'
        END AS pre_reason,
        CASE
            WHEN strlen(line) > $max_line THEN ''
            WHEN starts_with(line, '{') AND json_valid(line)
                THEN coalesce(json_extract_string(line, '$.message'), '')
            ELSE line
        END AS body
    FROM raw_lines
),
split AS (
    SELECT
        source_file,
        line_number,
        raw,
        pre_reason,
        CASE WHEN suffix(body, chr(13)) THEN rtrim(body, chr(13)) ELSE body END AS body
    FROM unwrapped
),
single AS (
    SELECT
        source_file,
        line_number,
        raw,
        pre_reason,
        body,
        string_split(body, ' ') AS tok1
    FROM split
),
spaced AS (
    -- Fields separated by more than one space, or spaces around the line: split on runs.
    SELECT
        source_file,
        line_number,
        raw,
        pre_reason,
        CASE
            WHEN body = '' THEN []::VARCHAR[]
            WHEN contains(body, '  ') OR starts_with(body, ' ') OR suffix(body, ' ')
                THEN CASE
                    WHEN trim(body, ' ') = '' THEN []::VARCHAR[]
                    ELSE string_split_regex(trim(body, ' '), ' +')
                END
            ELSE tok1
        END AS tok0
    FROM single
),
tokens AS (
    SELECT
        source_file,
        line_number,
        raw,
        pre_reason,
        CASE
            WHEN len(tok0) = $n_fields + 1 AND tok0[1] LIKE '____-__-__T%' THEN tok0[2:]
            ELSE tok0
        END AS tok
    FROM spaced
)
SELECT
    source_file,
    line_number,
    raw,
    pre_reason,
    len(tok) AS n_tokens,
    CAST($n_fields AS INTEGER) AS n_fields,
    CAST($tgw AS BOOLEAN) AS tgw,
    CAST(NULL AS BOOLEAN) AS ints_plain,
    nullif(tok[$i_version], '-') AS version,
    nullif(tok[$i_account_id], '-') AS account_id,
    nullif(tok[$i_interface_id], '-') AS interface_id,
    nullif(tok[$i_srcaddr], '-') AS srcaddr,
    nullif(tok[$i_dstaddr], '-') AS dstaddr,
    nullif(tok[$i_srcport], '-') AS srcport,
    nullif(tok[$i_dstport], '-') AS dstport,
    nullif(tok[$i_protocol], '-') AS protocol,
    nullif(tok[$i_packets], '-') AS packets,
    nullif(tok[$i_bytes], '-') AS bytes,
    nullif(tok[$i_start], '-') AS "start",
    nullif(tok[$i_end], '-') AS "end",
    nullif(tok[$i_action], '-') AS action,
    nullif(tok[$i_log_status], '-') AS log_status,
    nullif(tok[$i_vpc_id], '-') AS vpc_id,
    nullif(tok[$i_subnet_id], '-') AS subnet_id,
    nullif(tok[$i_instance_id], '-') AS instance_id,
    nullif(tok[$i_tcp_flags], '-') AS tcp_flags,
    nullif(tok[$i_type], '-') AS "type",
    nullif(tok[$i_pkt_srcaddr], '-') AS pkt_srcaddr,
    nullif(tok[$i_pkt_dstaddr], '-') AS pkt_dstaddr,
    nullif(tok[$i_region], '-') AS region,
    nullif(tok[$i_az_id], '-') AS az_id,
    nullif(tok[$i_sublocation_type], '-') AS sublocation_type,
    nullif(tok[$i_sublocation_id], '-') AS sublocation_id,
    nullif(tok[$i_pkt_src_aws_service], '-') AS pkt_src_aws_service,
    nullif(tok[$i_pkt_dst_aws_service], '-') AS pkt_dst_aws_service,
    nullif(tok[$i_flow_direction], '-') AS flow_direction,
    nullif(tok[$i_traffic_path], '-') AS traffic_path,
    nullif(tok[$i_ecs_cluster_arn], '-') AS ecs_cluster_arn,
    nullif(tok[$i_ecs_cluster_name], '-') AS ecs_cluster_name,
    nullif(tok[$i_ecs_container_instance_arn], '-') AS ecs_container_instance_arn,
    nullif(tok[$i_ecs_container_instance_id], '-') AS ecs_container_instance_id,
    nullif(tok[$i_ecs_container_id], '-') AS ecs_container_id,
    nullif(tok[$i_ecs_second_container_id], '-') AS ecs_second_container_id,
    nullif(tok[$i_ecs_service_name], '-') AS ecs_service_name,
    nullif(tok[$i_ecs_task_definition_arn], '-') AS ecs_task_definition_arn,
    nullif(tok[$i_ecs_task_arn], '-') AS ecs_task_arn,
    nullif(tok[$i_ecs_task_id], '-') AS ecs_task_id,
    nullif(tok[$i_reject_reason], '-') AS reject_reason
FROM tokens;
