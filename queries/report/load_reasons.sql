-- Load summary: the most frequent reasons lines were quarantined (file-level rows excluded).
-- Reads: malformed. Writes: nothing. Params: $top (how many reasons).
SELECT reason, count(*) AS lines
FROM malformed
WHERE line_number IS NOT NULL
GROUP BY reason
ORDER BY lines DESC, reason
LIMIT $top;
