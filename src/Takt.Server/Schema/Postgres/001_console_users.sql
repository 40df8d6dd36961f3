-- People who sign in to the web console: a password hash (ASP.NET Core PasswordHasher, PBKDF2), roles (the
-- orchestration roles, plus console roles such as integration-owner) and plants, both space-separated; plants '*'
-- means every plant.
CREATE TABLE console_user (
    name text PRIMARY KEY,
    display_name text NOT NULL,
    password_hash text NOT NULL,
    roles text NOT NULL,
    plants text NOT NULL,
    created_at_us bigint NOT NULL
);
