-- flowsg_ipv4_num(a): Spark's form of queries/dialect/duckdb/02_ipv4_num.sql: the IPv4 address
-- text a ('203.0.113.5') as an integer 0 .. 2^32-1, or NULL when a is not a dotted quad of 0-255
-- without leading zeros. RLIKE finds a pattern anywhere, hence the anchors ('\z': Java's '$' also
-- matches before a final line terminator); [.] rather than \.
-- because Spark SQL reads backslashes in string literals as escapes. Expanded inline by
-- flowsg/dialect.py (Spark SQL has no macros).
-- Reads: nothing. Writes: nothing (expanded inline). Params: none.
CREATE OR REPLACE TEMP MACRO flowsg_ipv4_num(a) AS
    CASE
        WHEN a RLIKE
            '^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])[.]){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\z'
        THEN CAST(split_part(a, '.', 1) AS BIGINT) * 16777216
            + CAST(split_part(a, '.', 2) AS BIGINT) * 65536
            + CAST(split_part(a, '.', 3) AS BIGINT) * 256
            + CAST(split_part(a, '.', 4) AS BIGINT)
    END;
