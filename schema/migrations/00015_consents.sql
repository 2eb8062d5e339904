-- +goose Up
-- Consents to privacy notices (domain/consent): which version of which
-- notice a user accepted, when, and when it was withdrawn. The face notice
-- is shown before any camera capture; a row proves what the person was told.
-- Rows are kept when consent is withdrawn (deleting one's face data) so the
-- history stays auditable; they go with the account (ON DELETE CASCADE).
CREATE TABLE consents (
  id           BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  user_id      BIGINT UNSIGNED NOT NULL,
  notice       VARCHAR(32) NOT NULL,
  version      VARCHAR(32) NOT NULL,
  ip_hash      VARBINARY(32) NULL,
  accepted_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  withdrawn_at DATETIME(3) NULL,
  KEY ix_consents_user (user_id, notice, id),
  CONSTRAINT fk_consents_user FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE consents;
