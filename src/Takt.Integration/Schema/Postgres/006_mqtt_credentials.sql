-- MQTT identity per client (docs/mqtt.md): the broker user of a client is its id; the broker's password file keeps
-- this hash (mosquitto's PBKDF2-SHA512 form, $7$iterations$salt$hash), generated from the registry by
-- takt clients mqtt-broker. NULL: the client has no MQTT credential and the intake refuses what names it.
ALTER TABLE integration_client ADD COLUMN mqtt_password_hash text;
ALTER TABLE integration_client ADD COLUMN mqtt_issued_at_us bigint;
