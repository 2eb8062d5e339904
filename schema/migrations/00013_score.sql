-- +goose Up
-- Scoring (domain/score, workers/score): the scored review of an attempt
-- (the offline rubric, stored first; the LLM review added when it comes),
-- the AI-written / copied code signals with their evidence, the code
-- fingerprints the cross-candidate similarity compares, the LLM's own
-- solution of a problem (generated once, cached) and the review of an AI
-- interview's answers.

CREATE TABLE score_reviews (
  attempt_id    BIGINT UNSIGNED PRIMARY KEY,
  assessment_id BIGINT UNSIGNED NOT NULL,
  company_id    BIGINT UNSIGNED NOT NULL,
  candidate_id  BIGINT UNSIGNED NOT NULL,
  version       INT UNSIGNED NOT NULL DEFAULT 1,        -- 1 + rescores
  command_id    VARCHAR(64) NOT NULL,                   -- the command that made this version (a redelivery repeats it)
  skill_score   DOUBLE NOT NULL,                        -- 0..100, the rubric's overall
  rubric        JSON NOT NULL,                          -- per-question results and overall
  trust_score   INT NULL,                               -- proctoring, shown beside, never mixed in
  llm_status    ENUM('off','pending','done','failed') NOT NULL DEFAULT 'off',
  llm_score     DOUBLE NULL,
  llm_review    JSON NULL,
  llm_model     VARCHAR(200) NULL,
  llm_error     VARCHAR(500) NULL,
  llm_tokens    INT UNSIGNED NOT NULL DEFAULT 0,
  scored_at     DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  llm_at        DATETIME(3) NULL,
  KEY ix_score_assessment (assessment_id),
  KEY ix_score_company (company_id, attempt_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Signals, never verdicts: each with a confidence in [0, 1] and its
-- evidence. Replaced as a whole when an attempt is scored again. The
-- placeholder of 00001 had no writer; it is replaced.
DROP TABLE ai_detection_logs;
CREATE TABLE ai_detection_logs (
  id            BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  attempt_id    BIGINT UNSIGNED NOT NULL,
  assessment_id BIGINT UNSIGNED NOT NULL,
  question_id   BIGINT UNSIGNED NULL,
  kind          VARCHAR(32) NOT NULL,
  confidence    DOUBLE NOT NULL,
  evidence      JSON NOT NULL,
  created_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY ix_aidl_attempt (attempt_id, id),
  KEY ix_aidl_assessment (assessment_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Winnowing fingerprints of each code answer (MOSS-style), compared with
-- the other candidates of the same assessment and question.
CREATE TABLE score_fingerprints (
  attempt_id    BIGINT UNSIGNED NOT NULL,
  question_id   BIGINT UNSIGNED NOT NULL,
  assessment_id BIGINT UNSIGNED NOT NULL,
  candidate_id  BIGINT UNSIGNED NOT NULL,
  language      VARCHAR(32) NOT NULL,
  hashes        MEDIUMBLOB NOT NULL,                    -- sorted distinct uint64, little endian
  PRIMARY KEY (attempt_id, question_id),
  KEY ix_fp_question (assessment_id, question_id)
) ENGINE=InnoDB;

-- The LLM's own solution of a problem, generated once per model and language.
CREATE TABLE score_llm_solutions (
  problem_id BIGINT UNSIGNED NOT NULL,
  language   VARCHAR(32) NOT NULL,
  model      VARCHAR(200) NOT NULL,
  source     MEDIUMTEXT NOT NULL,
  hashes     MEDIUMBLOB NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (problem_id, language, model)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The review of an AI interview's answers (issue 14): the offline rubric
-- against the question bank's expectations, or the LLM's.
CREATE TABLE score_interview_reviews (
  interview_id   BIGINT UNSIGNED PRIMARY KEY,
  company_id     BIGINT UNSIGNED NOT NULL,
  application_id BIGINT UNSIGNED NOT NULL,
  candidate_id   BIGINT UNSIGNED NOT NULL,
  command_id     VARCHAR(64) NOT NULL,
  method         ENUM('rubric','llm') NOT NULL,
  score          DOUBLE NOT NULL,
  review         JSON NOT NULL,
  llm_model      VARCHAR(200) NULL,
  llm_error      VARCHAR(500) NULL,
  scored_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY ix_sir_candidate (candidate_id),
  KEY ix_sir_application (application_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE score_interview_reviews;
DROP TABLE score_llm_solutions;
DROP TABLE score_fingerprints;
DROP TABLE ai_detection_logs;
DROP TABLE score_reviews;
CREATE TABLE ai_detection_logs (
  id            BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  assessment_id BIGINT UNSIGNED NULL,
  user_id       BIGINT UNSIGNED NOT NULL,
  kind          VARCHAR(64) NOT NULL,
  score         DOUBLE NULL,
  detail        JSON NULL,
  created_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY ix_ai_user (user_id, created_at)
) ENGINE=InnoDB;
