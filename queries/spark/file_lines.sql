-- Spark: per text or gzip file, the lines read and the header lines taken without a problem.
-- Reads: text_lines, header_lines. Writes: nothing. Params: none.
SELECT
    l.source_file,
    count(*) AS lines_read,
    coalesce(max(h.headers), 0) AS headers
FROM text_lines AS l
LEFT JOIN (
    SELECT file_id, count_if(problem IS NULL) AS headers
    FROM header_lines
    GROUP BY file_id
) AS h ON h.file_id = l.file_id
GROUP BY l.source_file;
