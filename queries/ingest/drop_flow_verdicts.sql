-- Drops the verdicts of an earlier attribution: after a load, `flows` has no verdicts until the
-- records are attributed again (flowsg.attribute, or flowsg analyze).
-- Reads: nothing. Writes: drops table flow_verdicts. Params: none.
DROP TABLE IF EXISTS flow_verdicts;
