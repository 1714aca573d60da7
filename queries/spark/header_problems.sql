-- Spark: the header lines quarantined (an unknown field, or a field given twice), as rows of
-- malformed: file, line number, reason, the line cut to 1,024 characters.
-- Reads: header_lines. Writes: nothing. Params: none.
SELECT
    source_file,
    line_number,
    problem AS reason,
    left(line, 1024) AS raw
FROM header_lines
WHERE problem IS NOT NULL;
