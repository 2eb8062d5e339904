-- +goose Up
-- Interviews (domain/interview): one row per scheduled interview of an
-- application, its participants (the candidate and the interviewers, all
-- checked for clashes), the room's chat and an AI interview's transcript,
-- and each interviewer's private notes and scorecard.

-- 00001 reserved a placeholder interviews table that nothing used; it is
-- replaced by this one.
DROP TABLE interviews;

CREATE TABLE interviews (
  id               BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  uid              VARCHAR(96) NOT NULL,           -- iCalendar UID, stable over reschedules
  room_id          CHAR(32) NOT NULL,              -- random, names the room on /interview/:roomId
  application_id   BIGINT UNSIGNED NOT NULL,
  company_id       BIGINT UNSIGNED NOT NULL,
  candidate_id     BIGINT UNSIGNED NOT NULL,
  created_by       BIGINT UNSIGNED NOT NULL,
  kind             ENUM('live','ai') NOT NULL,
  status           ENUM('scheduled','cancelled') NOT NULL DEFAULT 'scheduled',
  starts_at        DATETIME(3) NOT NULL,           -- UTC
  ends_at          DATETIME(3) NOT NULL,           -- UTC, starts_at + duration
  duration_minutes SMALLINT UNSIGNED NOT NULL,
  tz_offset        INT NOT NULL DEFAULT 0,         -- seconds east of UTC the organiser scheduled in
  sequence         INT UNSIGNED NOT NULL DEFAULT 0, -- iCalendar SEQUENCE
  version          INT UNSIGNED NOT NULL DEFAULT 1,
  created_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  updated_at       DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_interview_uid (uid),
  UNIQUE KEY uq_interview_room (room_id),
  KEY ix_interview_company (company_id, starts_at),
  KEY ix_interview_app (application_id),
  CONSTRAINT fk_interview_app FOREIGN KEY (application_id) REFERENCES applications(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE interview_participants (
  interview_id BIGINT UNSIGNED NOT NULL,
  user_id      BIGINT UNSIGNED NOT NULL,
  role         ENUM('candidate','interviewer') NOT NULL,
  PRIMARY KEY (interview_id, user_id),
  KEY ix_ivp_user (user_id, interview_id),
  CONSTRAINT fk_ivp_interview FOREIGN KEY (interview_id) REFERENCES interviews(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE interview_messages (
  id           BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  interview_id BIGINT UNSIGNED NOT NULL,
  user_id      BIGINT UNSIGNED NULL,               -- NULL = the AI interviewer
  kind         ENUM('chat','question','answer') NOT NULL DEFAULT 'chat',
  body         TEXT NOT NULL,
  created_at   DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY ix_ivm_interview (interview_id, id),
  CONSTRAINT fk_ivm_interview FOREIGN KEY (interview_id) REFERENCES interviews(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE interview_feedback (
  interview_id   BIGINT UNSIGNED NOT NULL,
  interviewer_id BIGINT UNSIGNED NOT NULL,
  notes          TEXT NOT NULL,
  scorecard      JSON NOT NULL,
  recommendation ENUM('strong_no','no','yes','strong_yes') NULL,
  updated_at     DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
  PRIMARY KEY (interview_id, interviewer_id),
  CONSTRAINT fk_ivf_interview FOREIGN KEY (interview_id) REFERENCES interviews(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE interview_feedback;
DROP TABLE interview_messages;
DROP TABLE interview_participants;
DROP TABLE interviews;
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
