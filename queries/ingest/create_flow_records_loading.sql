-- Creates flow_records_loading, empty, with the columns of flow_records: a load writes into it and makes it
-- flow_records only when it has finished (rename_flow_records, or append_flow_records with --append), so that a failed
-- or interrupted load leaves flow_records as it was. Replaces what an interrupted load left behind.
-- Reads: flow_records. Writes: table flow_records_loading. Params: none.
CREATE OR REPLACE TABLE flow_records_loading AS
SELECT *
FROM flow_records
LIMIT 0;
