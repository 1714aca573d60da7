-- flowsg_flow_hash(interface_id, protocol, src_hi, src_lo, dst_hi, dst_lo, srcport, dstport):
-- Spark's form of queries/dialect/duckdb/08_flow_hash.sql, a 64-bit hash (xxhash64) of a
-- record's flow; callers compare the columns themselves afterwards. Spark SQL has no macros:
-- flowsg/dialect.py expands every call inline.
-- Reads: nothing. Writes: nothing (expanded inline). Params: none.
CREATE OR REPLACE TEMP MACRO flowsg_flow_hash(i, p, sh, sl, dh, dl, sp, dp) AS
    xxhash64(i, p, sh, sl, dh, dl, sp, dp);
