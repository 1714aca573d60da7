-- flowsg_flow_hash(interface_id, protocol, src_hi, src_lo, dst_hi, dst_lo, srcport, dstport): a
-- 64-bit hash of a record's flow, for a hash table of one number per row where one of eight
-- columns would not fit in memory (match/reject_pairs). Equal flows hash equal; unequal ones may
-- too, so a caller compares the columns themselves afterwards. Hash functions are every engine's
-- own; this is DuckDB's.
-- Reads: nothing. Writes: the temporary macro flowsg_flow_hash. Params: none.
CREATE OR REPLACE TEMP MACRO flowsg_flow_hash(i, p, sh, sl, dh, dl, sp, dp) AS
    hash(i, p, sh, sl, dh, dl, sp, dp);
