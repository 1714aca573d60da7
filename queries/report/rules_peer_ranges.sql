-- Report rules: the address ranges every rule's peer covers (rule_peers), to count the addresses
-- a rule allows. Empty for unresolvable rules.
-- Reads: rule_peers. Writes: nothing. Params: none.
SELECT rule_id, family, first_hi, first_lo, last_hi, last_lo
FROM rule_peers
ORDER BY rule_id, family, first_hi, first_lo;
