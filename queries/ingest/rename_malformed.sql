-- A finished load (without --append): malformed_loading becomes malformed, which drop_malformed removed in the
-- same transaction.
-- Reads: malformed_loading. Writes: table malformed. Params: none.
ALTER TABLE malformed_loading RENAME TO malformed;
