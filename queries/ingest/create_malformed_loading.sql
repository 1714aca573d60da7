-- Creates malformed_loading, empty, with the columns of malformed: a load writes into it and makes it
-- malformed only when it has finished (rename_malformed, or append_malformed with --append), so that a failed
-- or interrupted load leaves malformed as it was. Replaces what an interrupted load left behind.
-- Reads: malformed. Writes: table malformed_loading. Params: none.
CREATE OR REPLACE TABLE malformed_loading AS
SELECT *
FROM malformed
LIMIT 0;
