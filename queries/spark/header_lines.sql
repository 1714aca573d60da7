-- Spark: the header lines of every file with the format each declares: the lines whose text is one
-- of header_texts (the driver's reading of header_candidates), with their problem (an unknown
-- field: the format is taken, the line quarantined; a field given twice: the header is ignored).
-- Reads: text_lines, header_texts (line, format_id: NULL for an ignored header, problem).
-- Writes: temp view header_lines (file_id, source_file, line_number, line, format_id, problem).
-- Params: none.
CREATE OR REPLACE TEMPORARY VIEW header_lines AS
SELECT /*+ BROADCAST(h) */
    l.file_id,
    l.source_file,
    l.line_number,
    l.line,
    h.format_id,
    h.problem
FROM text_lines AS l
JOIN header_texts AS h ON h.line = l.line;
