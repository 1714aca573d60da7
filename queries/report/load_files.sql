-- Load summary: input files by how they were read, with their line accounting.
-- Reads: files. Writes: nothing. Params: none.
SELECT
    file_type,
    count(*) AS files,
    sum(lines_read) AS lines_read,
    sum(headers) AS headers,
    sum(records) AS records,
    sum(malformed) AS malformed
FROM files
GROUP BY file_type
ORDER BY file_type;
