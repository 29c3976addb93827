-- Up Migration
-- The raw store's pack files (src/store/raw-store.ts): a raw object written since this migration
-- lives at `pack_offset` in the pack file `pack` (under <raw_store>/packs/), its `size` bytes
-- after a 48-byte record header. A row without a pack is an object of the file-per-message layout
-- written before (<raw_store>/ab/cd/<sha256>.eml), still read there.
ALTER TABLE raw_objects ADD COLUMN pack text, ADD COLUMN pack_offset bigint;
ALTER TABLE raw_objects ADD CONSTRAINT raw_objects_pack_location_chk
  CHECK ((pack IS NULL) = (pack_offset IS NULL) AND (pack_offset IS NULL OR pack_offset >= 0));

-- Down Migration
ALTER TABLE raw_objects DROP CONSTRAINT raw_objects_pack_location_chk;
ALTER TABLE raw_objects DROP COLUMN pack_offset, DROP COLUMN pack;
