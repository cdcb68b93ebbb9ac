DROP TABLE login_failures;
DROP TABLE refresh_tokens;
DROP TABLE logins;
DROP TABLE invitations;
DROP TABLE members;
