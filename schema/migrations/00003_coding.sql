-- +goose Up
-- Coding problems. Hidden tests live in their own table so that listing and
-- showing problems can never select them by accident.
CREATE TABLE coding_problems (
  id              BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  slug            VARCHAR(64)  NOT NULL,
  title           VARCHAR(200) NOT NULL,
  statement       MEDIUMTEXT   NOT NULL,
  difficulty      ENUM('easy','medium','hard') NOT NULL DEFAULT 'easy',
  time_limit_ms   INT UNSIGNED NOT NULL,
  memory_limit_kb INT UNSIGNED NOT NULL,
  comparison_mode ENUM('exact','trailing_whitespace','float') NOT NULL DEFAULT 'trailing_whitespace',
  abs_epsilon     DOUBLE NOT NULL DEFAULT 0,
  rel_epsilon     DOUBLE NOT NULL DEFAULT 0,
  examples        JSON NOT NULL,
  starter_code    JSON NOT NULL,
  created_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_coding_problems_slug (slug)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Hidden test cases, graded in ordinal order. LONGBLOB keeps the bytes
-- exactly as authored (no charset conversion of test data).
CREATE TABLE coding_problem_tests (
  problem_id BIGINT UNSIGNED NOT NULL,
  ordinal    INT UNSIGNED NOT NULL,
  name       VARCHAR(128) NOT NULL DEFAULT '',
  input      LONGBLOB NOT NULL,
  output     LONGBLOB NOT NULL,
  PRIMARY KEY (problem_id, ordinal),
  CONSTRAINT fk_coding_tests_problem FOREIGN KEY (problem_id) REFERENCES coding_problems(id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- A candidate's working session on a problem (practice when assessment_id is
-- NULL). assessment_id has no foreign key on purpose: coding does not depend
-- on the assessments module's tables.
CREATE TABLE coding_sessions (
  id            BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  user_id       BIGINT UNSIGNED NOT NULL,
  problem_id    BIGINT UNSIGNED NOT NULL,
  assessment_id BIGINT UNSIGNED NULL,
  language      VARCHAR(32) NOT NULL,
  code          MEDIUMTEXT NOT NULL,
  started_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  ended_at      DATETIME(3) NULL,
  KEY ix_coding_sessions_user (user_id, problem_id, started_at),
  KEY ix_coding_sessions_assessment (assessment_id),
  CONSTRAINT fk_coding_sessions_user FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
  CONSTRAINT fk_coding_sessions_problem FOREIGN KEY (problem_id) REFERENCES coding_problems(id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Graded submissions. op_id is the operation id the edge handed out; the
-- unique key makes a redelivered submit command a no-op.
CREATE TABLE coding_submissions (
  id             BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  op_id          CHAR(36) NOT NULL,
  user_id        BIGINT UNSIGNED NOT NULL,
  problem_id     BIGINT UNSIGNED NOT NULL,
  session_id     BIGINT UNSIGNED NULL,
  assessment_id  BIGINT UNSIGNED NULL,
  language       VARCHAR(32) NOT NULL,
  source         MEDIUMTEXT NOT NULL,
  status         ENUM('pending','running','done','failed') NOT NULL DEFAULT 'pending',
  verdict        ENUM('AC','WA','TLE','MLE','OLE','RE','CE','IE') NULL,
  passed         INT UNSIGNED NOT NULL DEFAULT 0,
  total          INT UNSIGNED NOT NULL DEFAULT 0,
  score          DOUBLE NOT NULL DEFAULT 0,
  results        JSON NULL,
  compile_output TEXT NULL,
  time_ms        INT UNSIGNED NULL,
  memory_kb      INT UNSIGNED NULL,
  created_at     DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  started_at     DATETIME(3) NULL,
  finished_at    DATETIME(3) NULL,
  UNIQUE KEY uq_coding_submissions_op (op_id),
  KEY ix_coding_submissions_user (user_id, problem_id, created_at),
  KEY ix_coding_submissions_assessment (assessment_id),
  KEY ix_coding_submissions_status (status, created_at),
  CONSTRAINT fk_coding_submissions_user FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
  CONSTRAINT fk_coding_submissions_problem FOREIGN KEY (problem_id) REFERENCES coding_problems(id),
  CONSTRAINT fk_coding_submissions_session FOREIGN KEY (session_id) REFERENCES coding_sessions(id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE IF EXISTS coding_submissions;
DROP TABLE IF EXISTS coding_sessions;
DROP TABLE IF EXISTS coding_problem_tests;
DROP TABLE IF EXISTS coding_problems;
