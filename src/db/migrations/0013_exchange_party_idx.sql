-- Up Migration
-- The exchange list filtered by a party (`party=` an address on either side): one branch per side
-- through these indexes, in the list's (msg_date, id) descending order (src/db/exchange-list.ts),
-- instead of walking the whole period's exchanges and testing each (at 1 million messages a year
-- took 0.4–0.6 s per page; docs/benchmarks.md "API"). An agency code as party uses the agency
-- indexes of 0009.
CREATE INDEX exchanges_sender_address_list_idx ON exchanges (sender_address, msg_date DESC, id DESC);
CREATE INDEX exchanges_receiver_address_list_idx ON exchanges (receiver_address, msg_date DESC, id DESC);

-- Down Migration
DROP INDEX exchanges_receiver_address_list_idx;
DROP INDEX exchanges_sender_address_list_idx;
