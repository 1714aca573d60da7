-- flowsg_port_class(classes, port): the class of `port` (0-65535) in `classes`, the list of every
-- port's class in port order (match/port_class_list), or NULL for a NULL port. A list lookup by
-- position instead of a join with a table of every port's class: at 1M records the two joins of a port's class per
-- record took 0.07 s, the lookups 0.03 s, in each of the two passes over every record
-- (match/flow_keys, match/assign_keys). Lists count from 1 in DuckDB, from 0 in Spark's
-- brackets; this is DuckDB's.
-- Reads: nothing. Writes: the temporary macro flowsg_port_class. Params: none.
CREATE OR REPLACE TEMP MACRO flowsg_port_class(classes, port) AS classes[port + 1];
