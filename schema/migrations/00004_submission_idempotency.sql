-- +goose Up
-- A client that retries POST /api/code/submit with the same Idempotency-Key
-- gets the submission it already made instead of a second one.
ALTER TABLE coding_submissions
  ADD COLUMN idempotency_key VARCHAR(128) NULL,
  ADD UNIQUE KEY uq_submission_idempotency (user_id, idempotency_key);

-- +goose Down
ALTER TABLE coding_submissions
  DROP INDEX uq_submission_idempotency,
  DROP COLUMN idempotency_key;
