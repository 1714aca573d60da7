-- Spark: the record lines of the text and gzip files split into one text column per known field,
-- in the shape of fields_raw that queries/ingest/split_lines.sql gives DuckDB, with the same rules:
-- each line in the format in force (format_spans; else format 0, the fallback), a JSON object
-- unwrapped to its "message" member, fields separated by one or more spaces, a leading RFC 3339
-- time token dropped when the line has exactly one token more than its format, '-' as NULL, and
-- the same pre_reason texts (too long, invalid UTF-8 or NUL, empty, not JSON, JSON without
-- message). Header lines are not records (header_lines accounts for them).
-- Reads: text_lines, header_lines, format_spans, spark_formats (format_id, n_fields, tgw and
--   i_<column>: the field's 1-based position in the format, 0 when absent).
-- Writes: temp view text_fields (source_file, line_number, raw, pre_reason, n_tokens, n_fields,
--   tgw, ints_plain, a column per field). Params: $max_line (longest line accepted, in bytes).
CREATE OR REPLACE TEMPORARY VIEW text_fields AS
WITH records AS (
    SELECT /*+ BROADCAST(s) */
        l.source_file,
        l.line_number,
        l.line,
        coalesce(s.format_id, 0) AS format_id
    FROM text_lines AS l
    LEFT ANTI JOIN header_lines AS h ON h.file_id = l.file_id AND h.line_number = l.line_number
    LEFT JOIN format_spans AS s
        ON s.file_id = l.file_id AND l.line_number BETWEEN s.first_line AND s.last_line
),
unwrapped AS (
    SELECT
        r.source_file,
        r.line_number,
        r.raw,
        r.format_id,
        CASE
            WHEN octet_length(r.raw) > $max_line
                THEN 'line too long: ' || octet_length(r.raw) || ' bytes, the limit is ' || $max_line
            WHEN contains(r.raw, '\uFFFD') OR contains(r.raw, '\u0000') THEN 'invalid UTF-8 or NUL byte'
            WHEN NOT r.raw RLIKE '[^ \t\r]' THEN 'empty line'
            WHEN startswith(r.raw, '{') AND json_object_keys(r.raw) IS NULL THEN 'not valid JSON'
            WHEN startswith(r.raw, '{') AND get_json_object(r.raw, '$.message') IS NULL
                THEN 'JSON line without a "message" member'
        END AS pre_reason,
        CASE
            WHEN octet_length(r.raw) > $max_line THEN ''
            WHEN startswith(r.raw, '{') THEN coalesce(get_json_object(r.raw, '$.message'), '')
            ELSE r.raw
        END AS body
    FROM (
        -- bytes that are not UTF-8 become U+FFFD, as Python's decode(errors="replace") makes them
        SELECT source_file, line_number, decode(encode(line, 'UTF-8'), 'UTF-8') AS raw, format_id
        FROM records
    ) AS r
),
split AS (
    SELECT
        source_file,
        line_number,
        raw,
        format_id,
        pre_reason,
        regexp_replace(body, '\r+$', '') AS body
    FROM unwrapped
),
spaced AS (
    SELECT
        source_file,
        line_number,
        raw,
        format_id,
        pre_reason,
        CASE
            WHEN body = '' THEN CAST(array() AS ARRAY<STRING>)
            WHEN contains(body, '  ') OR startswith(body, ' ') OR endswith(body, ' ')
                THEN CASE
                    WHEN trim(BOTH ' ' FROM body) = '' THEN CAST(array() AS ARRAY<STRING>)
                    ELSE split(trim(BOTH ' ' FROM body), ' +', -1)
                END
            ELSE split(body, ' ', -1)
        END AS tok0
    FROM split
),
tokens AS (
    SELECT /*+ BROADCAST(m) */
        s.source_file,
        s.line_number,
        s.raw,
        s.format_id,
        s.pre_reason,
        CASE
            WHEN size(s.tok0) = m.n_fields + 1 AND try_element_at(s.tok0, 1) LIKE '____-__-__T%'
                THEN slice(s.tok0, 2, size(s.tok0) - 1)
            ELSE s.tok0
        END AS tok
    FROM spaced AS s
    JOIN spark_formats AS m ON m.format_id = s.format_id
)
SELECT /*+ BROADCAST(m) */
    t.source_file,
    t.line_number,
    t.raw,
    t.pre_reason,
    CAST(size(t.tok) AS BIGINT) AS n_tokens,
    CAST(m.n_fields AS BIGINT) AS n_fields,
    m.tgw,
    CAST(NULL AS BOOLEAN) AS ints_plain,
    nullif(CASE WHEN m.i_version > 0 THEN try_element_at(t.tok, m.i_version) END, '-') AS version,
    nullif(CASE WHEN m.i_account_id > 0 THEN try_element_at(t.tok, m.i_account_id) END, '-') AS account_id,
    nullif(CASE WHEN m.i_interface_id > 0 THEN try_element_at(t.tok, m.i_interface_id) END, '-') AS interface_id,
    nullif(CASE WHEN m.i_srcaddr > 0 THEN try_element_at(t.tok, m.i_srcaddr) END, '-') AS srcaddr,
    nullif(CASE WHEN m.i_dstaddr > 0 THEN try_element_at(t.tok, m.i_dstaddr) END, '-') AS dstaddr,
    nullif(CASE WHEN m.i_srcport > 0 THEN try_element_at(t.tok, m.i_srcport) END, '-') AS srcport,
    nullif(CASE WHEN m.i_dstport > 0 THEN try_element_at(t.tok, m.i_dstport) END, '-') AS dstport,
    nullif(CASE WHEN m.i_protocol > 0 THEN try_element_at(t.tok, m.i_protocol) END, '-') AS protocol,
    nullif(CASE WHEN m.i_packets > 0 THEN try_element_at(t.tok, m.i_packets) END, '-') AS packets,
    nullif(CASE WHEN m.i_bytes > 0 THEN try_element_at(t.tok, m.i_bytes) END, '-') AS bytes,
    nullif(CASE WHEN m.i_start > 0 THEN try_element_at(t.tok, m.i_start) END, '-') AS `start`,
    nullif(CASE WHEN m.i_end > 0 THEN try_element_at(t.tok, m.i_end) END, '-') AS `end`,
    nullif(CASE WHEN m.i_action > 0 THEN try_element_at(t.tok, m.i_action) END, '-') AS action,
    nullif(CASE WHEN m.i_log_status > 0 THEN try_element_at(t.tok, m.i_log_status) END, '-') AS log_status,
    nullif(CASE WHEN m.i_vpc_id > 0 THEN try_element_at(t.tok, m.i_vpc_id) END, '-') AS vpc_id,
    nullif(CASE WHEN m.i_subnet_id > 0 THEN try_element_at(t.tok, m.i_subnet_id) END, '-') AS subnet_id,
    nullif(CASE WHEN m.i_instance_id > 0 THEN try_element_at(t.tok, m.i_instance_id) END, '-') AS instance_id,
    nullif(CASE WHEN m.i_tcp_flags > 0 THEN try_element_at(t.tok, m.i_tcp_flags) END, '-') AS tcp_flags,
    nullif(CASE WHEN m.i_type > 0 THEN try_element_at(t.tok, m.i_type) END, '-') AS `type`,
    nullif(CASE WHEN m.i_pkt_srcaddr > 0 THEN try_element_at(t.tok, m.i_pkt_srcaddr) END, '-') AS pkt_srcaddr,
    nullif(CASE WHEN m.i_pkt_dstaddr > 0 THEN try_element_at(t.tok, m.i_pkt_dstaddr) END, '-') AS pkt_dstaddr,
    nullif(CASE WHEN m.i_region > 0 THEN try_element_at(t.tok, m.i_region) END, '-') AS region,
    nullif(CASE WHEN m.i_az_id > 0 THEN try_element_at(t.tok, m.i_az_id) END, '-') AS az_id,
    nullif(CASE WHEN m.i_sublocation_type > 0 THEN try_element_at(t.tok, m.i_sublocation_type) END, '-') AS sublocation_type,
    nullif(CASE WHEN m.i_sublocation_id > 0 THEN try_element_at(t.tok, m.i_sublocation_id) END, '-') AS sublocation_id,
    nullif(CASE WHEN m.i_pkt_src_aws_service > 0 THEN try_element_at(t.tok, m.i_pkt_src_aws_service) END, '-') AS pkt_src_aws_service,
    nullif(CASE WHEN m.i_pkt_dst_aws_service > 0 THEN try_element_at(t.tok, m.i_pkt_dst_aws_service) END, '-') AS pkt_dst_aws_service,
    nullif(CASE WHEN m.i_flow_direction > 0 THEN try_element_at(t.tok, m.i_flow_direction) END, '-') AS flow_direction,
    nullif(CASE WHEN m.i_traffic_path > 0 THEN try_element_at(t.tok, m.i_traffic_path) END, '-') AS traffic_path,
    nullif(CASE WHEN m.i_ecs_cluster_arn > 0 THEN try_element_at(t.tok, m.i_ecs_cluster_arn) END, '-') AS ecs_cluster_arn,
    nullif(CASE WHEN m.i_ecs_cluster_name > 0 THEN try_element_at(t.tok, m.i_ecs_cluster_name) END, '-') AS ecs_cluster_name,
    nullif(CASE WHEN m.i_ecs_container_instance_arn > 0 THEN try_element_at(t.tok, m.i_ecs_container_instance_arn) END, '-') AS ecs_container_instance_arn,
    nullif(CASE WHEN m.i_ecs_container_instance_id > 0 THEN try_element_at(t.tok, m.i_ecs_container_instance_id) END, '-') AS ecs_container_instance_id,
    nullif(CASE WHEN m.i_ecs_container_id > 0 THEN try_element_at(t.tok, m.i_ecs_container_id) END, '-') AS ecs_container_id,
    nullif(CASE WHEN m.i_ecs_second_container_id > 0 THEN try_element_at(t.tok, m.i_ecs_second_container_id) END, '-') AS ecs_second_container_id,
    nullif(CASE WHEN m.i_ecs_service_name > 0 THEN try_element_at(t.tok, m.i_ecs_service_name) END, '-') AS ecs_service_name,
    nullif(CASE WHEN m.i_ecs_task_definition_arn > 0 THEN try_element_at(t.tok, m.i_ecs_task_definition_arn) END, '-') AS ecs_task_definition_arn,
    nullif(CASE WHEN m.i_ecs_task_arn > 0 THEN try_element_at(t.tok, m.i_ecs_task_arn) END, '-') AS ecs_task_arn,
    nullif(CASE WHEN m.i_ecs_task_id > 0 THEN try_element_at(t.tok, m.i_ecs_task_id) END, '-') AS ecs_task_id,
    nullif(CASE WHEN m.i_reject_reason > 0 THEN try_element_at(t.tok, m.i_reject_reason) END, '-') AS reject_reason
FROM tokens AS t
JOIN spark_formats AS m ON m.format_id = t.format_id;
