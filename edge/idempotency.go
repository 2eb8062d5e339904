package edge

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/domain/users"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/ops"
	"github.com/jmoiron/sqlx"
)

// Idempotency-Key on command-creating routes. A client that retries a
// request (its edge died, the network dropped the answer) with the same key
// gets the operation the first request created, never a second one: the key
// is recorded in the transaction that creates the operation, so either both
// exist or neither does. The same key with another body is a client bug
// (422); a retry racing the first request gets 409 and retries.

// idempotencyTTL is how long a key is remembered.
const idempotencyTTL = 24 * time.Hour

type idemCtxKey struct{}

// idemPending is a key to record with the first operation a request creates.
type idemPending struct {
	scope, key string
	hash       [32]byte
	recordedIn *sqlx.Tx // the transaction (attempt) that recorded it
}

var (
	errIdemMismatch = Errorf(422, "idempotency_key_reused", "this Idempotency-Key was used for a different request")
	errIdemInFlight = Errorf(409, "idempotency_key_in_use", "a request with this Idempotency-Key is still being processed; retry shortly")
)

// idempotent handles the Idempotency-Key of a command-creating route; call
// it after validating the body and before creating anything. Without a key
// it returns false. When the key (of this route and caller) already made an
// operation for the same body it answers through replay and returns true;
// for another body it returns errIdemMismatch. Otherwise it returns false
// and the first operation the handler creates (createOpTx, with
// c.UserContext()) is recorded under the key.
func (s *Server) idempotent(c *fiber.Ctx, route string, actor uint64, replay func(opID string) error) (bool, error) {
	key, err := idempotencyKey(c)
	if err != nil || key == nil {
		return false, err
	}
	p := &idemPending{scope: route + ":" + strconv.FormatUint(actor, 10), key: *key}
	// Keyed by a server secret: bodies may hold passwords.
	m := hmac.New(sha256.New, s.cfg.JWTKey)
	m.Write([]byte(p.scope))
	m.Write([]byte{0})
	m.Write(c.Body())
	copy(p.hash[:], m.Sum(nil))

	ctx := c.UserContext()
	hash, opID, found, err := ops.LookupKey(ctx, s.deps.DB, p.scope, p.key, idempotencyTTL)
	switch {
	case err != nil:
		return false, fmt.Errorf("edge: %w", err)
	case !found:
		c.SetUserContext(context.WithValue(ctx, idemCtxKey{}, p))
		return false, nil
	case !hmac.Equal(hash, p.hash[:]):
		return true, errIdemMismatch
	}
	return true, replay(opID)
}

// recordIdempotency stores the request's key (if any, and once per
// transaction attempt) for opID.
func recordIdempotency(ctx context.Context, tx *sqlx.Tx, opID string) error {
	p, _ := ctx.Value(idemCtxKey{}).(*idemPending)
	if p == nil || p.recordedIn == tx {
		return nil
	}
	err := ops.RecordKey(ctx, tx, p.scope, p.key, p.hash[:], opID, idempotencyTTL)
	if errors.Is(err, ops.ErrKeyInUse) {
		return errIdemInFlight
	}
	if err != nil {
		return fmt.Errorf("edge: %w", err)
	}
	p.recordedIn = tx
	return nil
}

// cleanupIdempotency forgets keys past their TTL.
func (s *Server) cleanupIdempotency(ctx context.Context) (int64, error) {
	n, err := ops.CleanupKeys(ctx, s.deps.DB, idempotencyTTL)
	if err != nil {
		return 0, fmt.Errorf("edge: %w", err)
	}
	return n, nil
}

// replayAccepted answers a replayed request whose first answer was 202.
func replayAccepted(c *fiber.Ctx) func(opID string) error {
	return func(opID string) error { return accepted(c, opID, fiber.Map{"replayed": true}) }
}

// replayedOp reads a replayed request's operation as its completion event
// (done=false while it is pending).
func (s *Server) replayedOp(ctx context.Context, opID string) (events.OpCompleted, bool, error) {
	op, err := ops.Get(ctx, s.deps.DB, opID)
	if err != nil {
		return events.OpCompleted{}, false, err
	}
	oc := events.OpCompleted{OpID: op.ID, OpType: op.Type, Status: op.Status, Result: json.RawMessage(op.Result)}
	if op.Status == ops.StatusPending {
		return oc, false, nil
	}
	if len(op.Error) > 0 {
		var e events.OpError
		if json.Unmarshal(op.Error, &e) == nil {
			oc.Error = &e
		}
	}
	return oc, true, nil
}

// replayRegister answers a replayed registration with the account it made
// and a token for the session it opened (no second account or session).
func (s *Server) replayRegister(c *fiber.Ctx, welcomeOp string) error {
	ctx := c.UserContext()
	op, err := ops.Get(ctx, s.deps.DB, welcomeOp)
	if err != nil {
		return err
	}
	if op.UserID == nil {
		return fmt.Errorf("edge: replayed register: welcome operation %s has no user", welcomeOp)
	}
	u, err := users.Get(ctx, s.deps.DB, *op.UserID)
	if err != nil {
		return fmt.Errorf("edge: replayed register: %w", err)
	}
	sessID, sessExpires, err := users.RegisterSession(ctx, s.deps.DB, u.ID)
	if errors.Is(err, users.ErrNotFound) {
		return Errorf(409, "already_registered", "this registration was completed and its session has ended; log in")
	}
	if err != nil {
		return fmt.Errorf("edge: replayed register: %w", err)
	}
	token, err := s.issueToken(u.ID, u.Role, sessID, sessExpires)
	if err != nil {
		return err
	}
	body := fiber.Map{"user": u, "token": token, "op_id": welcomeOp, "replayed": true}
	if enroll, err := ops.FirstOfType(ctx, s.deps.DB, u.ID, events.OpFaceEnroll, op.CreatedAt.Add(time.Second)); err == nil {
		body["enroll_op_id"] = enroll
	}
	return c.Status(fiber.StatusCreated).JSON(body)
}

// actorOf is the signed-in user of an optionally authenticated request (0
// when anonymous).
func actorOf(c *fiber.Ctx) uint64 {
	if p, ok := principal(c); ok {
		return p.UserID
	}
	return 0
}

// replayExecute answers a replayed code execute like the first request:
// the result when it is there, 202 while it runs.
func (s *Server) replayExecute(c *fiber.Ctx, opID string) error {
	oc, done, err := s.replayedOp(c.UserContext(), opID)
	if err != nil {
		return err
	}
	if !done {
		return replayAccepted(c)(opID)
	}
	if oc.Status != ops.StatusDone {
		return opFailed(oc, events.CodeInternal, "the operation failed")
	}
	var res events.CodeExecuteResult
	if err := json.Unmarshal(oc.Result, &res); err != nil {
		return &APIError{Status: 500, Code: "internal", Message: "undecodable worker result", Err: err}
	}
	return c.JSON(struct {
		OpID     string `json:"op_id"`
		Replayed bool   `json:"replayed"`
		events.CodeExecuteResult
	}{opID, true, res})
}

// replayFaceLogin answers a replayed face login from its identify
// operation: 202 while it runs, then the same decision as the first
// request. The operation yields one session only, so a replay after the
// first request got its token answers 409 already_used rather than opening
// a second session.
func (s *Server) replayFaceLogin(c *fiber.Ctx, opID, password string) error {
	oc, done, err := s.replayedOp(c.UserContext(), opID)
	if err != nil {
		return err
	}
	if !done {
		return accepted(c, opID, fiber.Map{"replayed": true, "message": "still checking the face: poll GET /api/ops/" + opID + " and, when it is done, POST /api/auth/face-login {op_id}"})
	}
	return s.finishFaceLogin(c, opID, oc, password, nil)
}
