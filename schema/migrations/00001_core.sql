-- +goose Up
CREATE TABLE users (
  id            BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  username      VARCHAR(64)  NOT NULL,
  email         VARCHAR(254) NOT NULL,
  password_hash VARBINARY(72) NOT NULL,
  role          ENUM('candidate','recruiter','admin') NOT NULL DEFAULT 'candidate',
  full_name     VARCHAR(128) NOT NULL DEFAULT '',
  face_enrolled BOOLEAN NOT NULL DEFAULT FALSE,
  require_face  BOOLEAN NOT NULL DEFAULT FALSE,
  created_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_users_username (username),
  UNIQUE KEY uq_users_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per code sent; only a salted hash of the code is kept.
CREATE TABLE otp_codes (
  id          BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  command_id  CHAR(36) NOT NULL,
  email       VARCHAR(254) NOT NULL,
  purpose     ENUM('register','reset') NOT NULL,
  code_hash   BINARY(32) NOT NULL,
  salt        BINARY(16) NOT NULL,
  attempts    INT NOT NULL DEFAULT 0,
  max_attempts INT NOT NULL DEFAULT 5,
  expires_at  DATETIME(3) NOT NULL,
  sent_at     DATETIME(3) NULL,
  verified_at DATETIME(3) NULL,
  consumed_at DATETIME(3) NULL,
  created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_otp_command (command_id),
  KEY ix_otp_email (email, purpose, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Accepted send-otp requests, for per-email and per-IP rate limits shared by every edge.
CREATE TABLE otp_requests (
  id         BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  email      VARCHAR(254) NOT NULL,
  ip_hash    BINARY(32) NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY ix_otpreq_email (email, created_at),
  KEY ix_otpreq_ip (ip_hash, created_at)
) ENGINE=InnoDB;

CREATE TABLE user_sessions (
  id           CHAR(36) PRIMARY KEY,
  user_id      BIGINT UNSIGNED NOT NULL,
  device_hash  BINARY(32) NOT NULL,
  user_agent   VARCHAR(512) NOT NULL DEFAULT '',
  method       ENUM('password','face','password+face','register') NOT NULL DEFAULT 'password',
  created_at   DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  last_seen_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  expires_at   DATETIME(3) NOT NULL,
  revoked_at   DATETIME(3) NULL,
  KEY ix_sessions_user (user_id),
  KEY ix_sessions_expires (expires_at),
  CONSTRAINT fk_sessions_user FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- Every command accepted by the edge has an operation; workers complete it.
CREATE TABLE operations (
  id         CHAR(36) PRIMARY KEY,
  type       VARCHAR(64) NOT NULL,
  user_id    BIGINT UNSIGNED NULL,
  status     ENUM('pending','done','failed') NOT NULL DEFAULT 'pending',
  result     JSON NULL,
  error      JSON NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  KEY ix_ops_user (user_id, created_at)
) ENGINE=InnoDB;

-- Transactional outbox: rows written in the same transaction as the change they announce.
CREATE TABLE outbox (
  id           BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  msg_id       CHAR(36) NOT NULL,
  subject      VARCHAR(255) NOT NULL,
  headers      JSON NULL,
  data         MEDIUMBLOB NOT NULL,
  created_at   DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  attempts     INT NOT NULL DEFAULT 0,
  UNIQUE KEY uq_outbox_msg (msg_id),
  KEY ix_outbox_created (created_at)
) ENGINE=InnoDB;

-- Commands whose effect has been committed: the idempotency key of every worker.
CREATE TABLE processed_commands (
  command_id   CHAR(36) PRIMARY KEY,
  worker       VARCHAR(32) NOT NULL,
  processed_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
) ENGINE=InnoDB;

CREATE TABLE audit_log (
  id         BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  user_id    BIGINT UNSIGNED NULL,
  action     VARCHAR(64) NOT NULL,
  ip_hash    BINARY(32) NULL,
  detail     JSON NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY ix_audit_user (user_id, created_at)
) ENGINE=InnoDB;

CREATE TABLE companies (
  id         BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  name       VARCHAR(128) NOT NULL,
  website    VARCHAR(255) NOT NULL DEFAULT '',
  require_face_login BOOLEAN NOT NULL DEFAULT FALSE,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_company_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE company_members (
  company_id BIGINT UNSIGNED NOT NULL,
  user_id    BIGINT UNSIGNED NOT NULL,
  member_role ENUM('owner','recruiter','viewer') NOT NULL DEFAULT 'recruiter',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (company_id, user_id),
  CONSTRAINT fk_cm_company FOREIGN KEY (company_id) REFERENCES companies(id) ON DELETE CASCADE,
  CONSTRAINT fk_cm_user FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB;

CREATE TABLE jobs (
  id          BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  company_id  BIGINT UNSIGNED NOT NULL,
  title       VARCHAR(200) NOT NULL,
  description TEXT NOT NULL,
  location    VARCHAR(128) NOT NULL DEFAULT '',
  status      ENUM('draft','open','closed') NOT NULL DEFAULT 'open',
  created_by  BIGINT UNSIGNED NOT NULL,
  created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY ix_jobs_company (company_id),
  CONSTRAINT fk_jobs_company FOREIGN KEY (company_id) REFERENCES companies(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE applications (
  id           BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  job_id       BIGINT UNSIGNED NOT NULL,
  candidate_id BIGINT UNSIGNED NOT NULL,
  status       ENUM('applied','screening','assessment','interview','offer','rejected','withdrawn') NOT NULL DEFAULT 'applied',
  created_at   DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_app (job_id, candidate_id),
  CONSTRAINT fk_app_job FOREIGN KEY (job_id) REFERENCES jobs(id) ON DELETE CASCADE,
  CONSTRAINT fk_app_user FOREIGN KEY (candidate_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB;

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

CREATE TABLE interviews (
  id             BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  application_id BIGINT UNSIGNED NOT NULL,
  interviewer_id BIGINT UNSIGNED NULL,
  scheduled_at   DATETIME(3) NOT NULL,
  status         ENUM('scheduled','done','cancelled') NOT NULL DEFAULT 'scheduled',
  notes          TEXT NULL,
  created_at     DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  CONSTRAINT fk_int_app FOREIGN KEY (application_id) REFERENCES applications(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE proctor_logs (
  id            BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  assessment_id BIGINT UNSIGNED NOT NULL,
  user_id       BIGINT UNSIGNED NOT NULL,
  kind          VARCHAR(64) NOT NULL,
  confidence    DOUBLE NULL,
  detail        JSON NULL,
  command_id    CHAR(36) NULL,
  created_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_proctor_cmd_kind (command_id, kind),
  KEY ix_proctor_assess (assessment_id, created_at)
) ENGINE=InnoDB;

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

CREATE TABLE candidate_reports (
  id            BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  assessment_id BIGINT UNSIGNED NOT NULL,
  candidate_id  BIGINT UNSIGNED NOT NULL,
  score         DOUBLE NULL,
  summary       JSON NULL,
  created_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_report_assess (assessment_id)
) ENGINE=InnoDB;

CREATE TABLE notifications (
  id         BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  user_id    BIGINT UNSIGNED NOT NULL,
  kind       VARCHAR(64) NOT NULL,
  title      VARCHAR(200) NOT NULL,
  body       TEXT NOT NULL,
  read_at    DATETIME(3) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY ix_notif_user (user_id, created_at),
  CONSTRAINT fk_notif_user FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE notifications;
DROP TABLE candidate_reports;
DROP TABLE ai_detection_logs;
DROP TABLE proctor_logs;
DROP TABLE interviews;
DROP TABLE assessments;
DROP TABLE applications;
DROP TABLE jobs;
DROP TABLE company_members;
DROP TABLE companies;
DROP TABLE audit_log;
DROP TABLE processed_commands;
DROP TABLE outbox;
DROP TABLE operations;
DROP TABLE user_sessions;
DROP TABLE otp_requests;
DROP TABLE otp_codes;
DROP TABLE users;
