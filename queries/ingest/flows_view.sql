-- The view `flows` of loaded records that are not attributed yet: every column of flow_rows but
-- key_id (flowsg load; flowsg analyze replaces it with match/flows_view.sql).
-- Reads: flow_rows. Writes: view flows. Params: none.
CREATE OR REPLACE VIEW flows AS
SELECT * EXCLUDE (key_id)
FROM flow_rows;
