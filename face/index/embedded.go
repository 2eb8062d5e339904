package index

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"

	"github.com/go-sql-driver/mysql"
)

// EmbeddedConfig configures the default index.
type EmbeddedConfig struct {
	// Model is the descriptor model this index serves (DefaultModel if
	// empty). Rows of other models stay in MySQL but are not loaded.
	Model string
	// Parallelism is the number of goroutines one search may use (1 if
	// 0; see flat.search for why one is the default).
	Parallelism int
}

// Embedded is the default index: MySQL table face_embeddings is the system of
// record, and every replica searches an in-memory copy. Writes go to MySQL in
// a transaction first and reach memory only after commit, so a replica never
// answers from a state the database does not have. Other replicas catch up
// through ApplyChange (the caller relays Change events over the bus).
type Embedded struct {
	db    *sql.DB
	model string
	mem   *flat
	// reload serialises read-from-MySQL-then-set-memory, so two reloads of
	// one user cannot finish in the wrong order and leave an older set.
	reload sync.Mutex
}

var _ Index = (*Embedded)(nil)

// ErrNoUser is returned when descriptors are written for a user id that does
// not exist (foreign key).
var ErrNoUser = errors.New("index: no such user")

// NewEmbedded returns an empty index over db (schema migrated); call Load
// before serving searches.
func NewEmbedded(db *sql.DB, cfg EmbeddedConfig) (*Embedded, error) {
	if db == nil {
		return nil, fmt.Errorf("index: new embedded: %w: nil db", ErrInvalid)
	}
	if cfg.Model == "" {
		cfg.Model = DefaultModel
	}
	if len(cfg.Model) > 64 {
		return nil, fmt.Errorf("index: new embedded: %w: model name longer than 64", ErrInvalid)
	}
	if cfg.Parallelism < 0 {
		return nil, fmt.Errorf("index: new embedded: %w: parallelism %d", ErrInvalid, cfg.Parallelism)
	}
	return &Embedded{db: db, model: cfg.Model, mem: newFlat(0, cfg.Parallelism)}, nil
}

// Model is the descriptor model the index serves.
func (e *Embedded) Model() string { return e.model }

// Load replaces the in-memory copy with every stored descriptor of the
// index's model. Run it at start; it is also the cure for a replica that
// missed events.
func (e *Embedded) Load(ctx context.Context) error {
	e.reload.Lock()
	defer e.reload.Unlock()
	var n int
	if err := e.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM face_embeddings WHERE model = ?`, e.model).Scan(&n); err != nil {
		return fmt.Errorf("index: load: count: %w", err)
	}
	rows, err := e.db.QueryContext(ctx, `SELECT id, user_id, descriptor FROM face_embeddings WHERE model = ? ORDER BY id`, e.model)
	if err != nil {
		return fmt.Errorf("index: load: query: %w", err)
	}
	defer rows.Close()
	// Rows added between COUNT and SELECT only cost one growth step.
	next := newFlat(n, e.mem.parallel)
	var blob []byte
	for rows.Next() {
		var id, user uint64
		if err := rows.Scan(&id, &user, &blob); err != nil {
			return fmt.Errorf("index: load: scan: %w", err)
		}
		v, err := DecodeDescriptor(blob)
		if err != nil {
			return fmt.Errorf("index: load: embedding %d: %w", id, err)
		}
		next.put(id, user, v)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("index: load: rows: %w", err)
	}
	e.mem.mu.Lock()
	e.mem.vecs, e.mem.norms, e.mem.users, e.mem.ids, e.mem.pos = next.vecs, next.norms, next.users, next.ids, next.pos
	e.mem.mu.Unlock()
	return nil
}

// ReloadUser re-reads userID's descriptors from MySQL into memory (none left
// means the user is dropped from memory).
func (e *Embedded) ReloadUser(ctx context.Context, userID uint64) error {
	e.reload.Lock()
	defer e.reload.Unlock()
	rows, err := e.db.QueryContext(ctx, `SELECT id, descriptor FROM face_embeddings WHERE user_id = ? AND model = ? ORDER BY id`, userID, e.model)
	if err != nil {
		return fmt.Errorf("index: reload user %d: %w", userID, err)
	}
	defer rows.Close()
	var set []Entry
	var blob []byte
	for rows.Next() {
		var id uint64
		if err := rows.Scan(&id, &blob); err != nil {
			return fmt.Errorf("index: reload user %d: scan: %w", userID, err)
		}
		v, err := DecodeDescriptor(blob)
		if err != nil {
			return fmt.Errorf("index: reload user %d: embedding %d: %w", userID, id, err)
		}
		set = append(set, Entry{EmbeddingID: id, UserID: userID, Vector: v})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("index: reload user %d: rows: %w", userID, err)
	}
	e.mem.setUser(userID, set)
	return nil
}

// ApplyChange implements Index: it reloads the user from MySQL, whatever the
// change was, so duplicated or reordered events are harmless.
func (e *Embedded) ApplyChange(ctx context.Context, c Change) error {
	if c.UserID == 0 {
		return fmt.Errorf("index: apply change: %w: user id 0", ErrInvalid)
	}
	return e.ReloadUser(ctx, c.UserID)
}

// Upsert implements Index.
func (e *Embedded) Upsert(ctx context.Context, entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	for i := range entries {
		if err := normalize(&entries[i], e.model); err != nil {
			return fmt.Errorf("index: upsert: entry %d: %w", i, err)
		}
	}
	// Users whose in-memory set must be refreshed after commit: the owners
	// of the entries, and previous owners of explicitly given ids.
	touched := map[uint64]struct{}{}
	err := e.inTx(ctx, "upsert", func(tx *sql.Tx) error {
		for i := range entries {
			en := &entries[i]
			if en.EmbeddingID != 0 {
				if old, ok := e.mem.userOf(en.EmbeddingID); ok {
					touched[old] = struct{}{}
				}
			}
			if err := insertEntry(ctx, tx, en, nil); err != nil {
				return err
			}
			touched[en.UserID] = struct{}{}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for u := range touched {
		if err := e.ReloadUser(ctx, u); err != nil {
			return fmt.Errorf("index: upsert: %w", err)
		}
	}
	return nil
}

// insertEntry writes one row; with an explicit id it overwrites that row.
func insertEntry(ctx context.Context, tx *sql.Tx, en *Entry, enrollment *uint64) error {
	blob, err := EncodeDescriptor(en.Vector)
	if err != nil {
		return err
	}
	if en.EmbeddingID != 0 {
		_, err := tx.ExecContext(ctx, `INSERT INTO face_embeddings (id, user_id, enrollment_id, model, descriptor, quality, source)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON DUPLICATE KEY UPDATE user_id = VALUES(user_id), enrollment_id = VALUES(enrollment_id), model = VALUES(model),
				descriptor = VALUES(descriptor), quality = VALUES(quality), source = VALUES(source)`,
			en.EmbeddingID, en.UserID, enrollment, en.Model, blob, en.Quality, string(en.Source))
		return mapSQLError(err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO face_embeddings (user_id, enrollment_id, model, descriptor, quality, source)
		VALUES (?, ?, ?, ?, ?, ?)`, en.UserID, enrollment, en.Model, blob, en.Quality, string(en.Source))
	if err != nil {
		return mapSQLError(err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	en.EmbeddingID = uint64(id)
	return nil
}

// ReplaceUser implements Index. The enrolment row, the deletion of the old
// set and the new rows commit together; a replayed opID commits nothing.
func (e *Embedded) ReplaceUser(ctx context.Context, userID uint64, opID string, entries []Entry) (bool, error) {
	var applied bool
	err := e.inTx(ctx, "replace user", func(tx *sql.Tx) error {
		var err error
		applied, err = e.ReplaceUserTx(ctx, tx, userID, opID, entries)
		return err
	})
	if err != nil {
		return false, err
	}
	// Even a replay reloads: this replica may have missed the first event.
	if err := e.ReloadUser(ctx, userID); err != nil {
		return applied, fmt.Errorf("index: replace user: %w", err)
	}
	return applied, nil
}

// ReplaceUserTx writes ReplaceUser's rows inside the caller's transaction,
// so an enrolment commits together with its other effects (account flag,
// operation result, index-change event). Memory is not touched: after the
// commit call ApplyChange or ReloadUser. applied is false when opID was
// already stored (a replay); a deleted account gives ErrNoUser.
func (e *Embedded) ReplaceUserTx(ctx context.Context, tx *sql.Tx, userID uint64, opID string, entries []Entry) (applied bool, err error) {
	if userID == 0 || len(entries) == 0 || len(opID) > 64 {
		return false, fmt.Errorf("index: replace user: %w: need a user, entries and an op id of at most 64 bytes", ErrInvalid)
	}
	for i := range entries {
		if entries[i].UserID == 0 {
			entries[i].UserID = userID
		}
		if entries[i].UserID != userID {
			return false, fmt.Errorf("index: replace user %d: %w: entry %d belongs to user %d", userID, ErrInvalid, i, entries[i].UserID)
		}
		entries[i].EmbeddingID = 0
		if err := normalize(&entries[i], e.model); err != nil {
			return false, fmt.Errorf("index: replace user %d: entry %d: %w", userID, i, err)
		}
	}
	if opID == "" {
		opID = randomOpID()
	}
	defer func() {
		if err != nil || !applied {
			for i := range entries {
				entries[i].EmbeddingID = 0
			}
		}
		if err != nil {
			err = fmt.Errorf("index: replace user %d: %w", userID, err)
		}
	}()
	res, err := tx.ExecContext(ctx, `INSERT IGNORE INTO face_enrollments (op_id, user_id, source, model, embeddings) VALUES (?, ?, ?, ?, ?)`,
		opID, userID, string(entries[0].Source), e.model, len(entries))
	if err != nil {
		return false, mapSQLError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// INSERT IGNORE also hides a missing user (FK) as a warning, so
		// tell the two apart: only an existing op id means "done before".
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM face_enrollments WHERE op_id = ?`, opID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return false, ErrNoUser
		}
		return false, err
	}
	enrollment, err := res.LastInsertId()
	if err != nil {
		return false, err
	}
	eid := uint64(enrollment)
	if _, err := tx.ExecContext(ctx, `DELETE FROM face_embeddings WHERE user_id = ?`, userID); err != nil {
		return false, err
	}
	for i := range entries {
		if err := insertEntry(ctx, tx, &entries[i], &eid); err != nil {
			return false, err
		}
	}
	return true, nil
}

// DeleteUser implements Index.
func (e *Embedded) DeleteUser(ctx context.Context, userID uint64) error {
	if _, err := e.db.ExecContext(ctx, `DELETE FROM face_embeddings WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("index: delete user %d: %w", userID, err)
	}
	e.reload.Lock()
	defer e.reload.Unlock()
	e.mem.setUser(userID, nil)
	return nil
}

// UserEntries implements Index. It reads MySQL, not memory, so a 1:1
// verification right after enrolment on another replica sees the new set.
func (e *Embedded) UserEntries(ctx context.Context, userID uint64) ([]Entry, error) {
	rows, err := e.db.QueryContext(ctx, `SELECT id, descriptor, quality, source FROM face_embeddings WHERE user_id = ? AND model = ? ORDER BY id`, userID, e.model)
	if err != nil {
		return nil, fmt.Errorf("index: user entries %d: %w", userID, err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var en Entry
		var blob []byte
		var src string
		if err := rows.Scan(&en.EmbeddingID, &blob, &en.Quality, &src); err != nil {
			return nil, fmt.Errorf("index: user entries %d: scan: %w", userID, err)
		}
		if en.Vector, err = DecodeDescriptor(blob); err != nil {
			return nil, fmt.Errorf("index: user entries %d: embedding %d: %w", userID, en.EmbeddingID, err)
		}
		en.UserID, en.Model, en.Source = userID, e.model, Source(src)
		out = append(out, en)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("index: user entries %d: rows: %w", userID, err)
	}
	return out, nil
}

// Search implements Index: exact search over this replica's memory.
func (e *Embedded) Search(ctx context.Context, vec []float32, k int) ([]Match, error) {
	if err := checkVector(vec); err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	if err := checkK(k); err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	return e.mem.search(vec, k), nil
}

// Len implements Index (descriptors in memory).
func (e *Embedded) Len(context.Context) (int, error) { return e.mem.len(), nil }

// Close implements Index; the *sql.DB belongs to the caller.
func (e *Embedded) Close() error { return nil }

// MemoryBytes is the size of the in-memory arrays (capacity, not length),
// without map overhead; for metrics.
func (e *Embedded) MemoryBytes() int64 {
	e.mem.mu.RLock()
	defer e.mem.mu.RUnlock()
	return int64(cap(e.mem.vecs))*4 + int64(cap(e.mem.norms))*4 + int64(cap(e.mem.users))*8 + int64(cap(e.mem.ids))*8
}

func (e *Embedded) inTx(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("index: %s: begin: %w", op, err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("index: %s: %w", op, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("index: %s: commit: %w", op, err)
	}
	return nil
}

// mapSQLError turns the foreign-key failure into ErrNoUser.
func mapSQLError(err error) error {
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1452 {
		return fmt.Errorf("%w (%s)", ErrNoUser, me.Message)
	}
	return err
}

func randomOpID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "idx-" + hex.EncodeToString(b[:])
}
