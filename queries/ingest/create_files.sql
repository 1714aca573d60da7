-- Creates `files`, one row per input file walked by a load: how it was read and how its lines were
-- accounted for (lines_read = headers + records + malformed lines, for every file that was read).
-- Reads: nothing. Writes: table files. Params: none.
CREATE TABLE IF NOT EXISTS files (
    source_file VARCHAR NOT NULL,
    file_type VARCHAR NOT NULL,
    lines_read BIGINT NOT NULL,
    headers BIGINT NOT NULL,
    records BIGINT NOT NULL,
    malformed BIGINT NOT NULL,
    formats VARCHAR,
    error VARCHAR
);
