-- Attribution, step 0: the REJECT records that have a reverse among the loaded records (same
-- interface and protocol, addresses and ports swapped; NODATA/SKIPDATA records left out). Only a
-- REJECT's orientation depends on it (key_verdicts), so only REJECTs are looked up, which keeps
-- the exact ports out of the keys.
-- Reads: reject_candidates, flow_records. Writes: temp table reject_pairs. Params: none.
CREATE OR REPLACE TEMP TABLE reject_pairs AS
SELECT DISTINCT
    r.interface_id,
    r.protocol,
    r.srcaddr_hi,
    r.srcaddr_lo,
    r.dstaddr_hi,
    r.dstaddr_lo,
    r.srcport,
    r.dstport
FROM reject_candidates AS r
JOIN flow_records AS o
    ON o.interface_id = r.interface_id
    AND o.protocol = r.protocol
    AND o.srcaddr_hi = r.dstaddr_hi
    AND o.srcaddr_lo = r.dstaddr_lo
    AND o.dstaddr_hi = r.srcaddr_hi
    AND o.dstaddr_lo = r.srcaddr_lo
    AND o.srcport = r.dstport
    AND o.dstport = r.srcport
WHERE o.log_status IS NULL OR o.log_status = 'OK';
