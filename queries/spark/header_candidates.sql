-- Spark: the distinct lines that look like a header line (lower-case field-name words separated by
-- spaces, the pattern of flowsg.ingest's _HEADER_CANDIDATE): few per run (one per format), so the
-- driver reads each with flowsg.logformat.header_format, as the DuckDB engine does.
-- Reads: text_lines. Writes: nothing. Params: none.
SELECT DISTINCT line
FROM text_lines
WHERE line RLIKE '^ *[a-z][a-z0-9-]*( +[a-z][a-z0-9-]*)* *\r?$';
