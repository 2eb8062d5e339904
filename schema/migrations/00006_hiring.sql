-- +goose Up
-- The hiring domain: companies and their members (domain/company), jobs,
-- applications and their history (domain/jobs), notifications (domain/notify)
-- and the audit log (domain/audit). The tables of 00001 are extended here.

CREATE TABLE company_invitations (
  id          BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  company_id  BIGINT UNSIGNED NOT NULL,
  email       VARCHAR(254) NOT NULL,
  member_role ENUM('owner','recruiter','viewer') NOT NULL,
  token_hash  BINARY(32) NOT NULL,
  invited_by  BIGINT UNSIGNED NOT NULL,
  expires_at  DATETIME(3) NOT NULL,
  accepted_at DATETIME(3) NULL,
  accepted_by BIGINT UNSIGNED NULL,
  created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_invite_token (token_hash),
  KEY ix_invite_company (company_id, created_at),
  CONSTRAINT fk_invite_company FOREIGN KEY (company_id) REFERENCES companies(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE company_members ADD KEY ix_cm_user (user_id);

ALTER TABLE jobs
  MODIFY status ENUM('draft','open','closed') NOT NULL DEFAULT 'draft',
  ADD COLUMN remote          ENUM('onsite','hybrid','remote') NOT NULL DEFAULT 'onsite' AFTER location,
  ADD COLUMN employment_type ENUM('full_time','part_time','contract','internship','temporary') NOT NULL DEFAULT 'full_time' AFTER remote,
  ADD COLUMN salary_min      BIGINT UNSIGNED NULL AFTER employment_type,
  ADD COLUMN salary_max      BIGINT UNSIGNED NULL AFTER salary_min,
  ADD COLUMN currency        CHAR(3) NULL AFTER salary_max,
  ADD COLUMN skills          VARCHAR(1000) NOT NULL DEFAULT '' AFTER currency,
  -- Filter values as words (see jobs.FacetsExpr), so a text search with
  -- filters is narrowed inside the FULLTEXT index instead of row by row.
  ADD COLUMN facets          VARCHAR(255) NOT NULL DEFAULT '' AFTER skills,
  ADD COLUMN version         INT UNSIGNED NOT NULL DEFAULT 1,
  ADD COLUMN updated_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  ADD KEY ix_jobs_status_id (status, id),
  ADD KEY ix_jobs_browse (status, remote, employment_type, id),
  ADD KEY ix_jobs_company_status (company_id, status, id),
  ADD FULLTEXT KEY ft_jobs_text (title, description, skills, facets);

-- One row per (job, skill) so the skill filter is an index lookup.
CREATE TABLE job_skills (
  job_id BIGINT UNSIGNED NOT NULL,
  skill  VARCHAR(48) NOT NULL,
  PRIMARY KEY (job_id, skill),
  KEY ix_job_skills_skill (skill, job_id),
  CONSTRAINT fk_job_skills_job FOREIGN KEY (job_id) REFERENCES jobs(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE applications
  MODIFY status ENUM('applied','screening','assessment','interview','offer','hired','rejected','withdrawn') NOT NULL DEFAULT 'applied',
  ADD COLUMN company_id   BIGINT UNSIGNED NOT NULL DEFAULT 0 AFTER job_id,
  ADD COLUMN cover_letter TEXT NULL,
  ADD COLUMN resume_key   VARCHAR(128) NULL,
  ADD COLUMN resume_name  VARCHAR(255) NULL,
  ADD COLUMN resume_size  INT UNSIGNED NULL,
  ADD COLUMN version      INT UNSIGNED NOT NULL DEFAULT 1,
  ADD COLUMN updated_at   DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  ADD KEY ix_app_board (company_id, status, id),
  ADD KEY ix_app_job_status (job_id, status, id),
  ADD KEY ix_app_candidate (candidate_id, id);

UPDATE applications a JOIN jobs j ON j.id = a.job_id SET a.company_id = j.company_id;

CREATE TABLE application_history (
  id             BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  application_id BIGINT UNSIGNED NOT NULL,
  actor_id       BIGINT UNSIGNED NOT NULL,
  from_status    VARCHAR(16) NULL,
  to_status      VARCHAR(16) NOT NULL,
  note           VARCHAR(2000) NOT NULL DEFAULT '',
  created_at     DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY ix_apphist_app (application_id, id),
  CONSTRAINT fk_apphist_app FOREIGN KEY (application_id) REFERENCES applications(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE notifications
  ADD COLUMN data JSON NULL AFTER body,
  ADD KEY ix_notif_unread (user_id, read_at, id);

ALTER TABLE audit_log
  ADD COLUMN company_id  BIGINT UNSIGNED NULL AFTER user_id,
  ADD COLUMN target      VARCHAR(128) NOT NULL DEFAULT '' AFTER action,
  ADD COLUMN before_json JSON NULL,
  ADD COLUMN after_json  JSON NULL,
  ADD COLUMN request_id  VARCHAR(64) NOT NULL DEFAULT '',
  ADD COLUMN ip          VARCHAR(64) NOT NULL DEFAULT '',
  ADD KEY ix_audit_company (company_id, id);

-- +goose Down
ALTER TABLE audit_log DROP KEY ix_audit_company, DROP COLUMN ip, DROP COLUMN request_id,
  DROP COLUMN after_json, DROP COLUMN before_json, DROP COLUMN target, DROP COLUMN company_id;
ALTER TABLE notifications DROP KEY ix_notif_unread, DROP COLUMN data;
DROP TABLE application_history;
ALTER TABLE applications ADD KEY fk_app_user (candidate_id), DROP KEY ix_app_board, DROP KEY ix_app_job_status, DROP KEY ix_app_candidate,
  DROP COLUMN updated_at, DROP COLUMN version, DROP COLUMN resume_size, DROP COLUMN resume_name,
  DROP COLUMN resume_key, DROP COLUMN cover_letter, DROP COLUMN company_id,
  MODIFY status ENUM('applied','screening','assessment','interview','offer','rejected','withdrawn') NOT NULL DEFAULT 'applied';
DROP TABLE job_skills;
ALTER TABLE jobs DROP KEY ft_jobs_text, DROP KEY ix_jobs_company_status, DROP KEY ix_jobs_browse, DROP KEY ix_jobs_status_id,
  DROP COLUMN updated_at, DROP COLUMN version, DROP COLUMN facets, DROP COLUMN skills, DROP COLUMN currency,
  DROP COLUMN salary_max, DROP COLUMN salary_min, DROP COLUMN employment_type, DROP COLUMN remote,
  MODIFY status ENUM('draft','open','closed') NOT NULL DEFAULT 'open';
ALTER TABLE company_members ADD KEY fk_cm_user (user_id), DROP KEY ix_cm_user;
DROP TABLE company_invitations;
