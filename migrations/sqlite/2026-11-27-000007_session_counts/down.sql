DROP TRIGGER registrations_count_update;
DROP TRIGGER registrations_count_delete;
DROP TRIGGER registrations_count_insert;
ALTER TABLE sessions DROP COLUMN waitlist_count;
ALTER TABLE sessions DROP COLUMN registered_count;
