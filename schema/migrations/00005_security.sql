-- +goose Up
-- Issue 7. E-mail addresses are compared byte for byte: the edge stores the
-- one canonical form (ASCII local part, IDNA domain, lowercase), and an
-- accent- or case-insensitive collation must never make two addresses meet.
ALTER TABLE users MODIFY email VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;
ALTER TABLE otp_codes MODIFY email VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;
ALTER TABLE otp_requests MODIFY email VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL;

-- Rate limits shared by every edge (package ratelimit): one row per key
-- (a hash of limit name and subject), holding the theoretical arrival time
-- of a generic cell-rate algorithm in microseconds since the epoch. A row
-- whose tat is in the past is a full bucket and may be deleted.
CREATE TABLE rate_limits (
  k   BINARY(32) PRIMARY KEY,
  tat BIGINT NOT NULL,
  KEY ix_rate_limits_tat (tat)
) ENGINE=InnoDB;

-- Per-account login backoff (package ratelimit): consecutive failures and
-- the earliest time of the next attempt, in microseconds since the epoch.
CREATE TABLE auth_backoff (
  k          BINARY(32) PRIMARY KEY,
  failures   INT NOT NULL DEFAULT 0,
  next_at    BIGINT NOT NULL DEFAULT 0,
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY ix_auth_backoff_updated (updated_at)
) ENGINE=InnoDB;

-- +goose Down
DROP TABLE auth_backoff;
DROP TABLE rate_limits;
ALTER TABLE otp_requests MODIFY email VARCHAR(254) NOT NULL;
ALTER TABLE otp_codes MODIFY email VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL;
ALTER TABLE users MODIFY email VARCHAR(254) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL;
