-- +goose Up
-- Assessments (domain/assess): a company's timed test made of questions,
-- the invitations of candidates (each from one application), one attempt
-- per candidate with a deadline kept on the server's clock, the attempt's
-- versioned answers with their per-question results, and the lease of the
-- deadline sweeper. The per-candidate `assessments` table of 00001 had no
-- route that created rows; it is replaced.
DROP TABLE IF EXISTS assessments;

CREATE TABLE assessments (
  id               BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  company_id       BIGINT UNSIGNED NOT NULL,
  job_id           BIGINT UNSIGNED NULL,
  title            VARCHAR(200) NOT NULL,
  duration_minutes INT UNSIGNED NOT NULL,
  opens_at         DATETIME(3) NULL,
  closes_at        DATETIME(3) NULL,
  proctoring       JSON NOT NULL,
  version          INT UNSIGNED NOT NULL DEFAULT 1,
  created_by       BIGINT UNSIGNED NOT NULL,
  created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY ix_assess_company (company_id, id),
  CONSTRAINT fk_assess_company FOREIGN KEY (company_id) REFERENCES companies(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Answer keys (answer_key) and rubrics live here and are only ever read
-- into the members' view type.
CREATE TABLE assessment_questions (
  id            BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  assessment_id BIGINT UNSIGNED NOT NULL,
  ordinal       INT UNSIGNED NOT NULL,
  kind          ENUM('code','mcq','text') NOT NULL,
  points        INT UNSIGNED NOT NULL,
  prompt        TEXT NOT NULL,
  problem_id    BIGINT UNSIGNED NULL,
  languages     JSON NULL,
  options       JSON NULL,
  multiple      BOOLEAN NOT NULL DEFAULT FALSE,
  answer_key    JSON NULL,
  max_length    INT UNSIGNED NOT NULL DEFAULT 0,
  rubric        TEXT NULL,
  UNIQUE KEY uq_aq_ordinal (assessment_id, ordinal),
  CONSTRAINT fk_aq_assess FOREIGN KEY (assessment_id) REFERENCES assessments(id) ON DELETE CASCADE,
  CONSTRAINT fk_aq_problem FOREIGN KEY (problem_id) REFERENCES coding_problems(id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE assessment_invitations (
  id             BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  assessment_id  BIGINT UNSIGNED NOT NULL,
  application_id BIGINT UNSIGNED NOT NULL,
  candidate_id   BIGINT UNSIGNED NOT NULL,
  invited_by     BIGINT UNSIGNED NOT NULL,
  created_at     DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_ainv (assessment_id, candidate_id),
  KEY ix_ainv_candidate (candidate_id, id),
  CONSTRAINT fk_ainv_assess FOREIGN KEY (assessment_id) REFERENCES assessments(id) ON DELETE CASCADE,
  CONSTRAINT fk_ainv_app FOREIGN KEY (application_id) REFERENCES applications(id) ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE assessment_attempts (
  id              BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  assessment_id   BIGINT UNSIGNED NOT NULL,
  candidate_id    BIGINT UNSIGNED NOT NULL,
  status          ENUM('active','submitted','graded') NOT NULL DEFAULT 'active',
  consent_version VARCHAR(32) NOT NULL,
  consented_at    DATETIME(3) NOT NULL,
  started_at      DATETIME(3) NOT NULL,
  deadline        DATETIME(3) NOT NULL,
  submitted_at    DATETIME(3) NULL,
  submitted_by    ENUM('candidate','deadline') NULL,
  submit_op_id    CHAR(36) NULL,
  graded_at       DATETIME(3) NULL,
  score           DOUBLE NULL,
  max_score       DOUBLE NOT NULL DEFAULT 0,
  released_at     DATETIME(3) NULL,
  UNIQUE KEY uq_attempt (assessment_id, candidate_id),
  KEY ix_attempt_deadline (status, deadline),
  KEY ix_attempt_candidate (candidate_id, id),
  CONSTRAINT fk_attempt_assess FOREIGN KEY (assessment_id) REFERENCES assessments(id) ON DELETE CASCADE,
  CONSTRAINT fk_attempt_user FOREIGN KEY (candidate_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- One row per (attempt, question): the autosaved answer (version counts
-- saves) and, after submission, its result.
CREATE TABLE assessment_answers (
  attempt_id    BIGINT UNSIGNED NOT NULL,
  question_id   BIGINT UNSIGNED NOT NULL,
  version       INT UNSIGNED NOT NULL DEFAULT 0,
  answer        JSON NULL,
  saved_at      DATETIME(3) NULL,
  grade_status  ENUM('ungraded','grading','manual','graded') NOT NULL DEFAULT 'ungraded',
  score         DOUBLE NULL,
  submission_id BIGINT UNSIGNED NULL,
  detail        JSON NULL,
  graded_by     BIGINT UNSIGNED NULL,
  PRIMARY KEY (attempt_id, question_id),
  KEY ix_answers_grading (grade_status, submission_id),
  CONSTRAINT fk_answers_attempt FOREIGN KEY (attempt_id) REFERENCES assessment_attempts(id) ON DELETE CASCADE,
  CONSTRAINT fk_answers_question FOREIGN KEY (question_id) REFERENCES assessment_questions(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The deadline sweeper's lease: one holder at a time, taken over once it
-- expires (a holder that died).
CREATE TABLE assessment_leases (
  name       VARCHAR(64) PRIMARY KEY,
  holder     VARCHAR(64) NOT NULL,
  expires_at DATETIME(3) NOT NULL
) ENGINE=InnoDB;

-- Company problems (problems package): owned by a company, published only
-- once the reference solution passed every test through the code worker.
-- Seed problems keep company_id NULL and status published.
ALTER TABLE coding_problems
  ADD COLUMN company_id BIGINT UNSIGNED NULL,
  ADD COLUMN status ENUM('validating','published','rejected') NOT NULL DEFAULT 'published',
  ADD COLUMN status_detail VARCHAR(500) NOT NULL DEFAULT '',
  ADD COLUMN reference_submission_id BIGINT UNSIGNED NULL,
  ADD KEY ix_problems_company (company_id, id),
  ADD KEY ix_problems_status (status);

ALTER TABLE proctor_logs ADD COLUMN attempt_id BIGINT UNSIGNED NULL AFTER assessment_id,
  ADD KEY ix_proctor_attempt (attempt_id, created_at);

-- +goose Down
ALTER TABLE proctor_logs DROP KEY ix_proctor_attempt, DROP COLUMN attempt_id;
ALTER TABLE coding_problems DROP KEY ix_problems_status, DROP KEY ix_problems_company,
  DROP COLUMN reference_submission_id, DROP COLUMN status_detail, DROP COLUMN status, DROP COLUMN company_id;
DROP TABLE assessment_leases;
DROP TABLE assessment_answers;
DROP TABLE assessment_attempts;
DROP TABLE assessment_invitations;
DROP TABLE assessment_questions;
DROP TABLE assessments;
CREATE TABLE assessments (
  id             BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  application_id BIGINT UNSIGNED NULL,
  job_id         BIGINT UNSIGNED NULL,
  candidate_id   BIGINT UNSIGNED NOT NULL,
  title          VARCHAR(200) NOT NULL DEFAULT '',
  duration_sec   INT NOT NULL DEFAULT 3600,
  status         ENUM('scheduled','in_progress','submitted','expired','graded') NOT NULL DEFAULT 'scheduled',
  started_at     DATETIME(3) NULL,
  ends_at        DATETIME(3) NULL,
  created_at     DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY ix_assess_candidate (candidate_id),
  CONSTRAINT fk_assess_user FOREIGN KEY (candidate_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
