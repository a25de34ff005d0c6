-- otpgate schema, version 8 (PostgreSQL), as migrations/sqlite/0008_send_path.sql
-- in what PostgreSQL needs (its CHECKs cost nothing to keep): a message
-- carries the keyed hashes its send was counted under (phone, prefix,
-- client address), so the rate-limit windows and the pumping detector are
-- counted over the messages themselves, and a send writes three rows
-- (request, message, hold). NULL for a test send, which no limit counts.
-- Each window is one index range per key, newest last.
ALTER TABLE messages ADD COLUMN phone_hash bytea
	CHECK (phone_hash IS NULL OR octet_length(phone_hash) = 32);
ALTER TABLE messages ADD COLUMN prefix_hash bytea
	CHECK (prefix_hash IS NULL OR octet_length(prefix_hash) = 32);
ALTER TABLE messages ADD COLUMN ip_hash bytea
	CHECK (ip_hash IS NULL OR octet_length(ip_hash) = 32);
CREATE INDEX messages_phone_window ON messages (tenant_id, phone_hash, created_at_ms)
	WHERE phone_hash IS NOT NULL;
CREATE INDEX messages_prefix_window ON messages (tenant_id, prefix_hash, created_at_ms)
	WHERE prefix_hash IS NOT NULL;
CREATE INDEX messages_ip_window ON messages (tenant_id, ip_hash, created_at_ms)
	WHERE ip_hash IS NOT NULL;
