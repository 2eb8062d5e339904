-- +goose Up
-- Proctoring (domain/proctor, workers/proctor): every signal and frame
-- check of an attempt in proctor_logs (ordered by id, de-duplicated by
-- (attempt_id, seq) for browser signals and (command_id, kind) for frame
-- checks), the rules' violations with their evidence, the per-attempt trust
-- score with the counters the rules read, per-assessment rule overrides and
-- the keys of kept webcam frames.
ALTER TABLE proctor_logs
  ADD COLUMN seq BIGINT UNSIGNED NULL AFTER attempt_id,
  ADD COLUMN severity ENUM('info','low','medium','high','critical') NOT NULL DEFAULT 'info' AFTER kind,
  ADD COLUMN at DATETIME(3) NULL AFTER detail,
  ADD UNIQUE KEY uq_proctor_attempt_seq (attempt_id, seq),
  ADD KEY ix_proctor_created (created_at);

CREATE TABLE proctor_attempts (
  attempt_id    BIGINT UNSIGNED PRIMARY KEY,
  assessment_id BIGINT UNSIGNED NOT NULL,
  company_id    BIGINT UNSIGNED NOT NULL,
  candidate_id  BIGINT UNSIGNED NOT NULL,
  score         INT NOT NULL DEFAULT 100,
  flagged_at    DATETIME(3) NULL,
  counters      JSON NOT NULL,
  events        INT UNSIGNED NOT NULL DEFAULT 0,
  last_frame    VARCHAR(255) NULL,
  created_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY ix_proctor_attempts_assessment (assessment_id),
  KEY ix_proctor_attempts_updated (updated_at)
) ENGINE=InnoDB;

CREATE TABLE proctor_violations (
  id         BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  attempt_id BIGINT UNSIGNED NOT NULL,
  rule_id    VARCHAR(64) NOT NULL,
  severity   ENUM('info','low','medium','high','critical') NOT NULL,
  deduction  INT NOT NULL,
  evidence   JSON NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_proctor_violation (attempt_id, rule_id)
) ENGINE=InnoDB;

CREATE TABLE proctor_rules (
  assessment_id BIGINT UNSIGNED PRIMARY KEY,
  rules         JSON NOT NULL,
  flag_at       INT NULL,
  updated_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB;

-- +goose Down
DROP TABLE proctor_rules;
DROP TABLE proctor_violations;
DROP TABLE proctor_attempts;
ALTER TABLE proctor_logs DROP KEY ix_proctor_created, DROP KEY uq_proctor_attempt_seq,
  DROP COLUMN at, DROP COLUMN severity, DROP COLUMN seq;
