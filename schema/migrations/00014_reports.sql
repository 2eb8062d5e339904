-- +goose Up
-- Candidate reports (domain/reports): each row is one stored snapshot of an
-- attempt's report (scores, tests, time, proctoring, AI signals, LLM review,
-- interview scorecards, cohort percentile) as JSON. Regenerating adds a row
-- with the next version; old versions stay readable. The ids beside the
-- snapshot are copies for lookups and access checks (who may read it), not
-- a second source of truth: the snapshot is what was shown. The
-- one-row-per-assessment `candidate_reports` of 00001 had no route that
-- wrote it; it is replaced.
DROP TABLE IF EXISTS candidate_reports;

CREATE TABLE candidate_reports (
  id            BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  attempt_id    BIGINT UNSIGNED NOT NULL,
  version       INT UNSIGNED NOT NULL,
  assessment_id BIGINT UNSIGNED NOT NULL,
  company_id    BIGINT UNSIGNED NOT NULL,
  candidate_id  BIGINT UNSIGNED NOT NULL,
  job_id        BIGINT UNSIGNED NULL,
  generated_by  BIGINT UNSIGNED NOT NULL,
  command_id    CHAR(36) NOT NULL,
  snapshot      LONGTEXT NOT NULL,
  created_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_report_version (attempt_id, version),
  UNIQUE KEY uq_report_command (command_id),
  KEY ix_report_candidate (candidate_id, attempt_id),
  KEY ix_report_job (job_id, attempt_id),
  CONSTRAINT fk_report_attempt FOREIGN KEY (attempt_id) REFERENCES assessment_attempts(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE candidate_reports;
CREATE TABLE candidate_reports (
  id            BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  assessment_id BIGINT UNSIGNED NOT NULL,
  candidate_id  BIGINT UNSIGNED NOT NULL,
  score         DOUBLE NULL,
  summary       JSON NULL,
  created_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_report_assess (assessment_id)
) ENGINE=InnoDB;
