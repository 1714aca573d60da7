-- Spark: the lines each header governs: from the line after it to the line before the next
-- header of the same file that is taken (a header naming a field twice is ignored). Lines before
-- a file's first header are read in the fallback format (format 0), as flowsg.ingest does.
-- Reads: header_lines. Writes: temp view format_spans (file_id, first_line, last_line,
-- format_id). Params: none.
CREATE OR REPLACE TEMPORARY VIEW format_spans AS
SELECT
    file_id,
    line_number + 1 AS first_line,
    coalesce(
        lead(line_number) OVER (PARTITION BY file_id ORDER BY line_number) - 1,
        9223372036854775807
    ) AS last_line,
    format_id
FROM header_lines
WHERE format_id IS NOT NULL;
