-- Security-group graph: what each rule's peer is (peer_kind: cidr4, cidr6, security_group,
-- prefix_list) and, for a referenced group, the account that owns it.
-- Reads: rules. Writes: nothing. Params: none.
SELECT rule_id, peer_kind, peer, peer_account
FROM rules
ORDER BY rule_id;
