-- The staged batch with its addresses checked and numbered: every row's first problem as `reason`
-- (reason_a, then the address fields, then reason_b: the order of the checks in convert.sql) and
-- the numeric forms of the four address fields (ip_numbers). A view: insert_flows,
-- insert_malformed and batch_counts each read it once, and nothing more is stored.
-- Reads: staged, ip_numbers. Writes: temp view checked. Params: none.
CREATE OR REPLACE TEMP VIEW checked AS
SELECT
    st.* EXCLUDE (reason_a, reason_b),
    coalesce(
        st.reason_a,
        CASE WHEN st.srcaddr IS NOT NULL AND s.addr IS NULL THEN 'not an IP address: srcaddr' END,
        CASE WHEN st.dstaddr IS NOT NULL AND d.addr IS NULL THEN 'not an IP address: dstaddr' END,
        CASE
            WHEN st.pkt_srcaddr IS NOT NULL AND ps.addr IS NULL
                THEN 'not an IP address: pkt-srcaddr'
        END,
        CASE
            WHEN st.pkt_dstaddr IS NOT NULL AND pd.addr IS NULL
                THEN 'not an IP address: pkt-dstaddr'
        END,
        st.reason_b
    ) AS reason,
    s.hi AS srcaddr_hi,
    s.lo AS srcaddr_lo,
    d.hi AS dstaddr_hi,
    d.lo AS dstaddr_lo,
    ps.hi AS pkt_srcaddr_hi,
    ps.lo AS pkt_srcaddr_lo,
    pd.hi AS pkt_dstaddr_hi,
    pd.lo AS pkt_dstaddr_lo
FROM staged AS st
LEFT JOIN ip_numbers AS s ON s.addr = st.srcaddr
LEFT JOIN ip_numbers AS d ON d.addr = st.dstaddr
LEFT JOIN ip_numbers AS ps ON ps.addr = st.pkt_srcaddr
LEFT JOIN ip_numbers AS pd ON pd.addr = st.pkt_dstaddr;
