-- Attribution, step 10: the attributed records become flows (see replace_flows).
-- Reads: nothing. Writes: renames table flows_attributed to flows. Params: none.
ALTER TABLE flows_attributed RENAME TO flows;
