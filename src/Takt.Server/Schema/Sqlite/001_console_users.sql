-- People who sign in to the web console: a password hash (ASP.NET Core PasswordHasher, PBKDF2), roles (the
-- orchestration roles, plus console roles such as integration-owner) and plants, both space-separated; plants '*'
-- means every plant.
CREATE TABLE console_user (
    name TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    plants TEXT NOT NULL,
    created_at_us INTEGER NOT NULL
) WITHOUT ROWID;
