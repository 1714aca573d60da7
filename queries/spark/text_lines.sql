-- Spark: the lines of the text and gzip files read whole (spark.read.text(wholetext=True): one row
-- per file, decompressed by Hadoop's codec for its name), numbered from 1 as flowsg.ingest counts
-- them: cut at '\n' only (a '\r' before it stays, split_lines removes it), a UTF-8 byte-order mark
-- at the start dropped, no line after a final '\n', none at all in an empty file. A file is one
-- row, read by one task: its lines are spread over the shuffle partitions (REPARTITION), so
-- that the checks after it run on every core.
-- Reads: text_read (path: Spark's _metadata.file_path, value: the file's text), spark_files
--   (file_id, source_file, spark_path). Writes: temp view text_lines (file_id, source_file,
--   line_number, line). Params: none.
CREATE OR REPLACE TEMPORARY VIEW text_lines AS
WITH bodies AS (
    SELECT
        f.file_id,
        f.source_file,
        regexp_replace(t.value, '^\\x{FEFF}', '') AS body
    FROM text_read AS t
    JOIN spark_files AS f ON f.spark_path = t.path
),
trimmed AS (
    SELECT
        file_id,
        source_file,
        CASE WHEN endswith(body, '\n') THEN substr(body, 1, length(body) - 1) ELSE body END AS body,
        body = '' AS empty
    FROM bodies
)
SELECT /*+ REPARTITION */
    file_id,
    source_file,
    CAST(p.pos + 1 AS BIGINT) AS line_number,
    p.line
FROM trimmed
LATERAL VIEW posexplode(CASE WHEN empty THEN array() ELSE split(body, '\n', -1) END) p AS pos, line;
