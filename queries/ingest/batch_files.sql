-- The files of the batch in fields_raw and how many of its rows each holds (records and rejected
-- rows together; flowsg takes the rejected ones, returned by the insert_malformed statement, off).
-- Reads: fields_raw. Writes: nothing. Params: none.
SELECT
    source_file,
    count(*) AS n_rows
FROM fields_raw
GROUP BY source_file;
