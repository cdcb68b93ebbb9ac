DROP TABLE calendar_tokens;
DROP TABLE registrations;
DROP TABLE session_facilitators;
DROP TABLE sessions;
DROP TABLE network_members;
DROP TABLE networks;
