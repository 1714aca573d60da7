-- Attribution, step 0: every port's class (port_classes) as one list in port order, the class of
-- port p at position p + 1, for flowsg_port_class (keyed_flows looks a record's two ports up in it
-- instead of joining port_classes twice). A port's class is the first port of its interval, so
-- the classes rise with the port: sorting them puts them in port order, which a list aggregate
-- alone does not promise (Spark's collect_list).
-- Reads: port_classes. Writes: temp table port_class_list (one row: classes). Params: none.
CREATE OR REPLACE TEMP TABLE port_class_list AS
SELECT list_sort(list(port_class)) AS classes
FROM port_classes;
