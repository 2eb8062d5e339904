-- +goose Up
-- One row per accepted enrolment operation (register with images, reset-face).
-- op_id is the command id: replaying the same command finds its row and
-- changes nothing, so a redelivered older command can never undo a newer reset.
CREATE TABLE face_enrollments (
  id          BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  op_id       VARCHAR(64) NOT NULL,
  user_id     BIGINT UNSIGNED NOT NULL,
  source      ENUM('enroll','reset') NOT NULL,
  model       VARCHAR(64) NOT NULL,
  embeddings  INT UNSIGNED NOT NULL,
  created_at  DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  UNIQUE KEY uq_face_enrollments_op (op_id),
  KEY ix_face_enrollments_user (user_id, created_at),
  CONSTRAINT fk_face_enrollments_user FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The enrolled face descriptors: the system of record of the embedded vector
-- index (face/index), which every worker replica loads into memory.
-- descriptor holds 128 little-endian float32 (512 bytes); model names the
-- network that produced it, because descriptors of different models are not
-- comparable and a model change needs re-enrolment, not a silent mix.
CREATE TABLE face_embeddings (
  id            BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  user_id       BIGINT UNSIGNED NOT NULL,
  enrollment_id BIGINT UNSIGNED NULL,
  model         VARCHAR(64) NOT NULL,
  descriptor    VARBINARY(512) NOT NULL,
  quality       FLOAT NOT NULL DEFAULT 0,
  source        ENUM('enroll','reset') NOT NULL,
  created_at    DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  KEY ix_face_embeddings_user (user_id),
  KEY ix_face_embeddings_model (model, id),
  CONSTRAINT fk_face_embeddings_user FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
  CONSTRAINT fk_face_embeddings_enrollment FOREIGN KEY (enrollment_id) REFERENCES face_enrollments(id) ON DELETE SET NULL,
  CONSTRAINT ck_face_embeddings_descriptor CHECK (LENGTH(descriptor) = 512)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- +goose Down
DROP TABLE face_embeddings;
DROP TABLE face_enrollments;
