-- Drops the view `flows` so that a load without --append replaces the records (drop_flow_store)
-- and so that the attributed view of an earlier run (match/flows_view.sql) is not kept.
-- Reads: nothing. Writes: drops view flows. Params: none.
DROP VIEW IF EXISTS flows;
