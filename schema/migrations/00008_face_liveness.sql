-- +goose Up
-- Active liveness challenges of face sign-in: the server picks the steps
-- (blink, turn left/right), the browser performs them on camera and sends
-- the frames with the challenge id. A challenge is good for one sign-in
-- (used_at) and a short time (expires_at).
CREATE TABLE face_challenges (
  id          CHAR(36) NOT NULL PRIMARY KEY,
  steps       VARCHAR(255) NOT NULL,
  created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  expires_at  DATETIME(3) NOT NULL,
  used_at     DATETIME(3) NULL,
  KEY ix_face_challenges_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE face_challenges;
