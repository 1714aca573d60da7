-- Creates `malformed`, the quarantine: one row per input line that is neither a header nor a record
-- of `flows`, and one row with line_number NULL per file (or directory) that could not be read at all
-- or that has a file-level problem. raw holds the line as read, cut to 1,024 characters.
-- Reads: nothing. Writes: table malformed. Params: none.
CREATE TABLE IF NOT EXISTS malformed (
    source_file VARCHAR NOT NULL,
    line_number BIGINT,
    reason VARCHAR NOT NULL,
    raw VARCHAR
);
