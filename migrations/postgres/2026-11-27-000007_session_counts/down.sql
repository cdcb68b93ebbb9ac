DROP TRIGGER registrations_count ON registrations;
DROP FUNCTION registrations_count();
ALTER TABLE sessions DROP COLUMN waitlist_count;
ALTER TABLE sessions DROP COLUMN registered_count;
