-- +goose Up
-- Items of an operation's progress that were pushed (e.g. one graded test of
-- a submission): a redelivered command that does the work again pushes only
-- what was not pushed before. seq orders an operation's pushes (gaps are
-- allowed: it is a global counter).
CREATE TABLE op_progress (
  seq        BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  op_id      CHAR(36) NOT NULL,
  item       INT NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_op_progress (op_id, item),
  KEY ix_op_progress_created (created_at)
) ENGINE=InnoDB;

-- Idempotency-Key of command-creating routes: a retried request with the same
-- key (same route, same caller, same body) answers with the operation the
-- first one created instead of creating another.
CREATE TABLE idempotency_keys (
  scope        VARCHAR(64) NOT NULL,
  idem_key     VARCHAR(128) NOT NULL,
  request_hash BINARY(32) NOT NULL,
  op_id        CHAR(36) NOT NULL,
  created_at   DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (scope, idem_key),
  KEY ix_idempotency_created (created_at)
) ENGINE=InnoDB;

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE op_progress;
