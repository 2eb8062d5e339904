package proctor

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// Errors.
var (
	ErrNotFound  = events.NewError("proctor", events.CodeNotFound, "not found")
	ErrForbidden = events.NewError("proctor", events.CodeForbidden, "your role does not allow this")
)

// Service runs the proctoring operations.
type Service struct {
	DB    *sqlx.DB
	Relay *outbox.Relay

	autoincOnce sync.Once
	consecutive bool // InnoDB gives a multi-row INSERT consecutive ids (innodb_autoinc_lock_mode 0 or 1)
}

// consecutiveIDs reports, once per Service, whether the server allocates
// consecutive auto-increment ids to a multi-row INSERT, so a batch's log
// ids follow from LastInsertId without reading them back.
func (s *Service) consecutiveIDs(ctx context.Context) bool {
	s.autoincOnce.Do(func() {
		var mode int
		if err := s.DB.GetContext(ctx, &mode, `SELECT @@innodb_autoinc_lock_mode`); err == nil {
			s.consecutive = mode == 0 || mode == 1
		}
	})
	return s.consecutive
}

// Viewer is who is reading an attempt's proctoring.
type Viewer struct {
	Attempt   assess.AttemptInfo
	Candidate bool // the attempt's own candidate (otherwise a member of its company)
}

// Authorize is the package's one access decision, default deny: an
// attempt's proctoring is readable by its own candidate and by every member
// of the assessment's company (any role); anyone else, including another
// company's recruiter and another candidate, gets ErrNotFound.
func Authorize(ctx context.Context, q sqlx.QueryerContext, a company.Actor, attemptID uint64) (Viewer, error) {
	info, acc, err := assess.AttemptFor(ctx, q, a, attemptID)
	if err != nil {
		return Viewer{}, mapAssess(err)
	}
	return Viewer{Attempt: info, Candidate: acc.Candidate}, nil
}

// AuthorizeAssessment lets members of an assessment's company (any role)
// watch all its attempts; anyone else gets ErrNotFound.
func AuthorizeAssessment(ctx context.Context, q sqlx.QueryerContext, a company.Actor, assessmentID uint64) (companyID uint64, err error) {
	id, err := assess.MemberAssessment(ctx, q, a, assessmentID)
	return id, mapAssess(err)
}

func mapAssess(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, assess.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, assess.ErrForbidden):
		return ErrForbidden
	}
	return err
}

// Rules returns the effective rules and flag score of an assessment.
func Rules(ctx context.Context, q sqlx.QueryerContext, assessmentID uint64) ([]Rule, int, error) {
	var row struct {
		Rules  []byte        `db:"rules"`
		FlagAt sql.NullInt64 `db:"flag_at"`
	}
	err := sqlx.GetContext(ctx, q, &row, `SELECT rules, flag_at FROM proctor_rules WHERE assessment_id = ?`, assessmentID)
	if errors.Is(err, sql.ErrNoRows) {
		return Defaults, DefaultFlagAt, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("proctor: rules: %w", store.Translate(err))
	}
	return parseRules(assessmentID, row.Rules, row.FlagAt)
}

// parseRules turns a stored proctor_rules row into the effective rules
// (Defaults when raw is nil: the assessment has no overrides).
func parseRules(assessmentID uint64, raw []byte, flagAt sql.NullInt64) ([]Rule, int, error) {
	if raw == nil {
		return Defaults, DefaultFlagAt, nil
	}
	var ov []Override
	if err := json.Unmarshal(raw, &ov); err != nil {
		return nil, 0, fmt.Errorf("proctor: stored rules of %d: %w", assessmentID, err)
	}
	rules, err := Merge(ov)
	if err != nil {
		return nil, 0, err
	}
	flag := DefaultFlagAt
	if flagAt.Valid {
		flag = int(flagAt.Int64)
	}
	return rules, flag, nil
}

// RuleSet is an assessment's rules as shown and edited by recruiters.
type RuleSet struct {
	Overrides []Override `json:"overrides"`
	FlagAt    int        `json:"flag_at"`
	Rules     []Rule     `json:"rules"` // effective: Defaults with the overrides
}

// SetRules stores an assessment's overrides and flag score (recruiters and
// owners of its company). flagAt 0 keeps the default.
func (s *Service) SetRules(ctx context.Context, a company.Actor, assessmentID uint64, ov []Override, flagAt int) (RuleSet, error) {
	companyID, err := AuthorizeAssessment(ctx, s.DB, a, assessmentID)
	if err != nil {
		return RuleSet{}, err
	}
	if _, err := company.Authorize(ctx, s.DB, a, companyID, company.PermWrite); err != nil {
		return RuleSet{}, ErrForbidden
	}
	rules, err := Merge(ov)
	if err != nil {
		return RuleSet{}, err
	}
	if flagAt < 0 || flagAt > 100 {
		return RuleSet{}, invalid("flag_at", "0 to 100")
	}
	if ov == nil {
		ov = []Override{}
	}
	raw, _ := json.Marshal(ov)
	var flag any
	if flagAt > 0 {
		flag = flagAt
	} else {
		flagAt = DefaultFlagAt
	}
	if _, err := s.DB.ExecContext(ctx, `INSERT INTO proctor_rules (assessment_id, rules, flag_at) VALUES (?, ?, ?)
		ON DUPLICATE KEY UPDATE rules = VALUES(rules), flag_at = VALUES(flag_at)`, assessmentID, raw, flag); err != nil {
		return RuleSet{}, fmt.Errorf("proctor: set rules: %w", store.Translate(err))
	}
	return RuleSet{Overrides: ov, FlagAt: flagAt, Rules: rules}, nil
}

// attemptState is a proctor_attempts row, with its assessment's stored
// rule overrides (NULL rules: none).
type attemptState struct {
	AttemptID    uint64         `db:"attempt_id"`
	AssessmentID uint64         `db:"assessment_id"`
	CompanyID    uint64         `db:"company_id"`
	CandidateID  uint64         `db:"candidate_id"`
	Score        int            `db:"score"`
	FlaggedAt    sql.NullTime   `db:"flagged_at"`
	Counters     []byte         `db:"counters"`
	LastFrame    sql.NullString `db:"last_frame"`
	Rules        []byte         `db:"rules"`
	FlagAt       sql.NullInt64  `db:"flag_at"`
}

// errNoAttemptRow: the attempt has no proctor_attempts row yet.
var errNoAttemptRow = errors.New("proctor: attempt row missing")

// lockAttempt returns the attempt's proctoring row locked for this
// transaction, with its assessment's rules read in the same round trip.
// The row lock serialises every writer of one attempt; the rules come from
// subqueries, which a locking read does not lock, so the attempts of one
// assessment do not wait for each other. A missing row is errNoAttemptRow:
// the caller rolls back (a locking read of a missing key holds a gap lock,
// and two attempts' first commands inserting into the same gap would
// deadlock), creates the row (createAttemptRow) and tries again.
func lockAttempt(ctx context.Context, tx *sqlx.Tx, attemptID uint64) (attemptState, State, error) {
	var st attemptState
	err := tx.GetContext(ctx, &st, `SELECT a.attempt_id, a.assessment_id, a.company_id, a.candidate_id, a.score, a.flagged_at, a.counters, a.last_frame,
		(SELECT r.rules FROM proctor_rules r WHERE r.assessment_id = a.assessment_id) AS rules,
		(SELECT r.flag_at FROM proctor_rules r WHERE r.assessment_id = a.assessment_id) AS flag_at
		FROM proctor_attempts a WHERE a.attempt_id = ? FOR UPDATE`, attemptID)
	if errors.Is(err, sql.ErrNoRows) {
		return st, State{}, errNoAttemptRow
	}
	if err != nil {
		return st, State{}, fmt.Errorf("proctor: lock attempt %d: %w", attemptID, store.Translate(err))
	}
	var state State
	if err := json.Unmarshal(st.Counters, &state); err != nil {
		return st, State{}, fmt.Errorf("proctor: counters of %d: %w", attemptID, err)
	}
	state.init()
	return st, state, nil
}

// createAttemptRow creates an attempt's proctor_attempts row on its first
// command, outside any transaction holding locks (INSERT IGNORE: a
// concurrent first command may create it too).
func (s *Service) createAttemptRow(ctx context.Context, attemptID uint64) error {
	info, err := assess.AttemptByID(ctx, s.DB, attemptID)
	if err != nil {
		return mapAssess(err)
	}
	if _, err := s.DB.ExecContext(ctx, `INSERT IGNORE INTO proctor_attempts (attempt_id, assessment_id, company_id, candidate_id, counters)
		VALUES (?, ?, ?, ?, '{}')`, info.ID, info.AssessmentID, info.CompanyID, info.CandidateID); err != nil {
		return fmt.Errorf("proctor: attempt row: %w", store.Translate(err))
	}
	return nil
}

// input is one event to log: a signal or a frame.
type input struct {
	seq    *uint64
	kind   string
	at     *time.Time
	data   *events.ProctorData
	frame  *events.FrameDetail
	cmdID  any
	count  func(*State) string // updates counters; may rename the kind
	userID uint64
}

// Result is what one Apply changed.
type Result struct {
	Update     events.ProctorUpdate
	Duplicates int // events already counted (a redelivery or a retried POST)
}

// ApplySignals logs a batch of browser signals, applies the rules and
// pushes the update to the attempt's live watchers, all in one transaction:
// a redelivered batch finds its (attempt, seq) rows and changes nothing.
func (s *Service) ApplySignals(ctx context.Context, p events.ProctorSignals) (Result, error) {
	ins := make([]input, 0, len(p.Events))
	for _, ev := range p.Events {
		seq, at, data := ev.Seq, ev.At, ev.Data
		ins = append(ins, input{seq: &seq, kind: ev.Type, at: &at, data: &data, userID: p.CandidateID,
			count: func(st *State) string { st.CountSignal(ev); return ev.Type }})
	}
	var accepted *time.Time
	if !p.Accepted.IsZero() {
		accepted = &p.Accepted
	}
	return s.apply(ctx, p.AttemptID, ins, accepted, "")
}

// ApplyFrame logs one frame check (de-duplicated by the command id).
func (s *Service) ApplyFrame(ctx context.Context, cmdID string, f events.ProctorFrame) (Result, error) {
	var conf float64
	if len(f.Alerts) > 0 {
		conf = f.Confidence
	}
	in := input{kind: events.FrameChecked, cmdID: cmdID, userID: f.UserID,
		frame: &events.FrameDetail{Faces: f.Faces, Distance: f.Distance, Confidence: conf, FrameKey: f.FrameKey},
		count: func(st *State) string { return st.CountFrame(f) }}
	// the kind is known before counting: the last alert, or frame.ok
	for _, a := range f.Alerts {
		in.kind = a
	}
	return s.apply(ctx, f.AttemptID, []input{in}, nil, f.FrameKey)
}

// pendingLog is one new log row of a command, evaluated in memory before it
// is written: its severity and the violations it fired are known before the
// row exists, so a batch needs one multi-row INSERT and no UPDATE.
type pendingLog struct {
	in     input
	entry  events.ProctorLogEntry
	detail []byte
	conf   any
	at     any
	seq    any
	viols  []Rule
	evs    []events.ProctorEvidence
}

// apply logs a command's events in one transaction with a fixed number of
// round trips per batch: lock the attempt's score row, read the rules, find
// the already-logged seqs (redelivery), one multi-row INSERT of the new log
// rows (severity known in advance), read their ids, a violation INSERT only
// per rule that fires (rare: each rule fires once per attempt), one UPDATE
// of the score row and one outbox row. The attempt's row lock serialises
// every writer of one attempt, so the duplicate check and the insert cannot
// race.
func (s *Service) apply(ctx context.Context, attemptID uint64, ins []input, accepted *time.Time, frameKey string) (Result, error) {
	var res Result
	var subject string // the attempt's live feed
	tx := func(tx *sqlx.Tx, ob *outbox.Batch) error {
		res = Result{}
		row, state, err := lockAttempt(ctx, tx, attemptID)
		if err != nil {
			return err
		}
		subject = events.ProctorEventSubject(row.CompanyID, row.AssessmentID, row.AttemptID, events.EvtProctorUpdate)
		rules, flagAt, err := parseRules(row.AssessmentID, row.Rules, row.FlagAt)
		if err != nil {
			return err
		}
		up := events.ProctorUpdate{AttemptID: row.AttemptID, AssessmentID: row.AssessmentID, CompanyID: row.CompanyID,
			CandidateID: row.CandidateID, Accepted: accepted, Events: []events.ProctorLogEntry{}}
		fresh, dups, err := freshInputs(ctx, tx, row.AttemptID, &state, ins)
		if err != nil {
			return err
		}
		res.Duplicates = dups
		pend := make([]pendingLog, 0, len(fresh))
		for _, in := range fresh {
			p := pendingLog{in: in}
			if in.data != nil {
				p.detail, _ = json.Marshal(in.data)
			} else if in.frame != nil {
				p.detail, _ = json.Marshal(in.frame)
			}
			if in.frame != nil && in.frame.Confidence > 0 {
				p.conf = in.frame.Confidence
			}
			if in.at != nil {
				p.at = in.at.UTC()
			}
			if in.seq != nil {
				p.seq = *in.seq
			}
			in.count(&state)
			p.entry = events.ProctorLogEntry{Seq: in.seq, Kind: in.kind, Severity: string(Info), At: in.at,
				Created: time.Now().UTC(), Data: in.data, Frame: in.frame}
			worst := Info
			for _, rule := range Fire(rules, state.Counters, state.Fired) {
				state.Fired[rule.ID] = rule.Points()
				ev := events.ProctorEvidence{Metric: rule.Metric, Value: metric(state.Counters, rule.Metric), Op: rule.Op,
					Threshold: rule.Threshold, Description: rule.Description, Seq: in.seq, Kind: in.kind}
				if rule.MinFrames > 0 || rule.Metric == MFaceAbsentRatio {
					ev.Samples = state.Counters[MFramesChecked]
				}
				p.viols = append(p.viols, rule)
				p.evs = append(p.evs, ev)
				if sevRank(rule.Severity) > sevRank(worst) {
					worst = rule.Severity
				}
			}
			p.entry.Severity = string(worst)
			pend = append(pend, p)
		}
		if len(pend) == 0 {
			return nil
		}
		ids, err := insertLogs(ctx, tx, row, pend, s.consecutiveIDs(ctx))
		if err != nil {
			return err
		}
		if ids == nil { // the one row was already there (a frame check's redelivery)
			res.Duplicates++
			return nil
		}
		for i := range pend {
			p := &pend[i]
			p.entry.ID = ids[i]
			for k, rule := range p.viols {
				ev := p.evs[k]
				ev.LogID = ids[i]
				raw, _ := json.Marshal(ev)
				vr, err := tx.ExecContext(ctx, `INSERT INTO proctor_violations (attempt_id, rule_id, severity, deduction, evidence) VALUES (?, ?, ?, ?, ?)`,
					row.AttemptID, rule.ID, rule.Severity, rule.Points(), raw)
				if err != nil {
					return fmt.Errorf("proctor: violation: %w", store.Translate(err))
				}
				vid, _ := vr.LastInsertId()
				up.Violations = append(up.Violations, events.ProctorViolation{ID: uint64(vid), RuleID: rule.ID, Severity: string(rule.Severity),
					Deduction: rule.Points(), Evidence: ev, Created: time.Now().UTC()})
			}
			up.Events = append(up.Events, p.entry)
		}
		added := len(pend)
		up.Score = Score(state.Fired)
		up.Flagged = row.FlaggedAt.Valid
		if !up.Flagged && up.Score <= flagAt {
			up.Flagged, up.FlaggedNow = true, true
		}
		raw, _ := json.Marshal(state)
		lastFrame := row.LastFrame
		if frameKey != "" {
			lastFrame = sql.NullString{String: frameKey, Valid: true}
		}
		up.LastFrame = lastFrame.String
		if _, err := tx.ExecContext(ctx, `UPDATE proctor_attempts SET score = ?, counters = ?, events = events + ?, last_frame = ?,
			flagged_at = IF(? AND flagged_at IS NULL, UTC_TIMESTAMP(3), flagged_at) WHERE attempt_id = ?`,
			up.Score, raw, added, lastFrame, up.FlaggedNow, row.AttemptID); err != nil {
			return fmt.Errorf("proctor: score: %w", store.Translate(err))
		}
		env, err := events.NewEnvelope(events.EvtProctorUpdate, "", 0, up)
		if err != nil {
			return err
		}
		res.Update = up
		return ob.Add(subject, env)
	}
	opts := []outbox.TxOption{outbox.DeferCleanup(), outbox.MustPublish(), outbox.AfterCommit(func() {
		if accepted != nil {
			events.ObserveProctorStage(events.StageWorkerCommitted, *accepted)
		}
	})}
	err := s.Relay.Tx(ctx, tx, opts...)
	if errors.Is(err, errNoAttemptRow) { // the attempt's first command
		if err = s.createAttemptRow(ctx, attemptID); err == nil {
			err = s.Relay.Tx(ctx, tx, opts...)
		}
	}
	if err == nil && res.Duplicates > 0 && len(res.Update.Events) == 0 && subject != "" {
		// A redelivery: its first run committed; if that run's update never
		// reached the feed (publish failed, or the process died), it goes
		// out now, before the attempt's next command can run.
		_, err = s.Relay.PublishPending(ctx, subject)
	}
	if err == nil && accepted != nil && len(res.Update.Events) > 0 {
		events.ObserveProctorStage(events.StageWorkerPublished, *accepted)
	}
	if err != nil {
		return res, fmt.Errorf("proctor: apply to attempt %d: %w", attemptID, err)
	}
	return res, nil
}

// freshInputs drops the signals already logged for the attempt (a
// redelivered batch or a retried POST) and repeated seqs within the batch,
// and raises the state's MaxSeq. Every logged seq is at most MaxSeq (kept
// in the same row, under the same lock), so the usual batch, all above it,
// needs no read; a batch reaching back below it is checked with one SELECT
// (as is the first batch of a row stored before MaxSeq existed, which
// learns it with a MAX). Inputs without a seq (frame checks, de-duplicated
// by command id) are kept: their INSERT IGNORE decides.
func freshInputs(ctx context.Context, tx *sqlx.Tx, attemptID uint64, st *State, ins []input) ([]input, int, error) {
	var seqs []uint64
	for _, in := range ins {
		if in.seq != nil {
			seqs = append(seqs, *in.seq)
		}
	}
	seen := map[uint64]bool{}
	if len(seqs) > 0 {
		if st.MaxSeq == nil {
			var m uint64
			if err := tx.GetContext(ctx, &m, `SELECT COALESCE(MAX(seq), 0) FROM proctor_logs WHERE attempt_id = ?`, attemptID); err != nil {
				return nil, 0, fmt.Errorf("proctor: last seq: %w", store.Translate(err))
			}
			st.MaxSeq = &m
		}
		if slices.Min(seqs) <= *st.MaxSeq {
			q, args, err := sqlx.In(`SELECT seq FROM proctor_logs WHERE attempt_id = ? AND seq IN (?)`, attemptID, seqs)
			if err != nil {
				return nil, 0, fmt.Errorf("proctor: logged seqs: %w", err)
			}
			var have []uint64
			if err := tx.SelectContext(ctx, &have, q, args...); err != nil {
				return nil, 0, fmt.Errorf("proctor: logged seqs: %w", store.Translate(err))
			}
			for _, s := range have {
				seen[s] = true
			}
		}
	}
	fresh := make([]input, 0, len(ins))
	dups := 0
	for _, in := range ins {
		if in.seq != nil {
			if seen[*in.seq] {
				dups++
				continue
			}
			seen[*in.seq] = true
			if *in.seq > *st.MaxSeq {
				*st.MaxSeq = *in.seq
			}
		}
		fresh = append(fresh, in)
	}
	return fresh, dups, nil
}

// insertLogs writes the new log rows with one statement and returns their
// ids in order; nil when a single row without seq was ignored as already
// logged. One row is an INSERT IGNORE (frame checks are de-duplicated by
// command id); several rows were checked by freshInputs and go in with one
// multi-row INSERT: every row went in, so with consecutive auto-increment
// allocation (InnoDB lock modes 0 and 1, a "simple insert") the ids are
// LastInsertId onwards; otherwise they are read back in insertion order
// (ids grow within a statement; the attempt's row lock keeps other writers
// of this attempt out).
func insertLogs(ctx context.Context, tx *sqlx.Tx, row attemptState, pend []pendingLog, consecutive bool) ([]uint64, error) {
	var b strings.Builder
	b.WriteString(`INSERT IGNORE INTO proctor_logs (assessment_id, attempt_id, seq, user_id, kind, severity, confidence, detail, at, command_id) VALUES `)
	args := make([]any, 0, 10*len(pend))
	for i, p := range pend {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, row.AssessmentID, row.AttemptID, p.seq, row.CandidateID, p.in.kind, p.entry.Severity, p.conf, p.detail, p.at, p.in.cmdID)
	}
	r, err := tx.ExecContext(ctx, b.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("proctor: log: %w", store.Translate(err))
	}
	n, _ := r.RowsAffected()
	if n == 0 && len(pend) == 1 {
		return nil, nil
	}
	if n != int64(len(pend)) {
		// freshInputs saw these rows absent under the attempt's lock.
		return nil, fmt.Errorf("proctor: log: %d of %d rows written", n, len(pend))
	}
	first, _ := r.LastInsertId()
	if len(pend) == 1 || consecutive {
		ids := make([]uint64, len(pend))
		for i := range ids {
			ids[i] = uint64(first) + uint64(i)
		}
		return ids, nil
	}
	var ids []uint64
	if err := tx.SelectContext(ctx, &ids, `SELECT id FROM proctor_logs WHERE attempt_id = ? AND id >= ? ORDER BY id LIMIT ?`,
		row.AttemptID, first, len(pend)); err != nil {
		return nil, fmt.Errorf("proctor: log ids: %w", store.Translate(err))
	}
	if len(ids) != len(pend) {
		return nil, fmt.Errorf("proctor: log ids: %d of %d rows found", len(ids), len(pend))
	}
	return ids, nil
}

func sevRank(s Severity) int {
	switch s {
	case Low:
		return 1
	case Medium:
		return 2
	case High:
		return 3
	case Critical:
		return 4
	}
	return 0
}
