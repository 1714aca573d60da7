-- Spark: every header line of every file (one or a few per file), for the driver's account of each
-- file's formats (the files table), in file order.
-- Reads: header_lines. Writes: nothing. Params: none.
SELECT source_file, line_number, format_id
FROM header_lines
ORDER BY source_file, line_number;
