-- Cleans up after an attribution that failed before its swap: the half-made flows_attributed.
-- Reads: nothing. Writes: drops table flows_attributed. Params: none.
DROP TABLE IF EXISTS flows_attributed;
