-- Records how one input file was read: its type, its line accounting and its formats, or why it
-- could not be read.
-- Reads: nothing. Writes: files_loading.
-- Params: $source_file, $file_type ('text', 'gzip', 'parquet' or 'unreadable'), $lines_read,
--   $headers, $records, $malformed, $formats (the distinct formats seen, ' | '-separated, or NULL),
--   $error (why the file or part of it could not be read, or NULL).
INSERT INTO files_loading (source_file, file_type, lines_read, headers, records, malformed, formats, error)
VALUES ($source_file, $file_type, $lines_read, $headers, $records, $malformed, $formats, $error);
