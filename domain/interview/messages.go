package interview

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// MaxMessage is the longest chat message (characters).
const MaxMessage = 2000

// Message kinds: chat between people; an AI interview's questions (from the
// AI interviewer) and the candidate's answers.
const (
	MsgChat     = "chat"
	MsgQuestion = "question"
	MsgAnswer   = "answer"
)

// Message is one stored chat line of a room (user_id 0 = the AI
// interviewer).
type Message struct {
	ID        uint64    `json:"id" db:"id"`
	UserID    uint64    `json:"user_id" db:"user_id"`
	Name      string    `json:"name" db:"name"`
	Kind      string    `json:"kind" db:"kind"`
	Body      string    `json:"body" db:"body"`
	CreatedAt time.Time `json:"created_at" db:"created_at"`
}

// AIName is how the AI interviewer is shown.
const AIName = "AI interviewer"

// AddMessage stores one chat line of the room's interview (the edge has
// authenticated the sender with the room token); userID 0 is the AI.
func (s *Service) AddMessage(ctx context.Context, interviewID, userID uint64, name, kind, body string) (Message, error) {
	body = strings.TrimSpace(body)
	if body == "" || utf8.RuneCountInString(body) > MaxMessage || !utf8.ValidString(body) {
		return Message{}, invalid("text", "a message has 1 to %d characters", MaxMessage)
	}
	return s.addMessage(ctx, s.DB, interviewID, userID, name, kind, body)
}

func (s *Service) addMessage(ctx context.Context, e sqlx.ExecerContext, interviewID, userID uint64, name, kind, body string) (Message, error) {
	var uid any
	if userID != 0 {
		uid = userID
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	res, err := e.ExecContext(ctx, `INSERT INTO interview_messages (interview_id, user_id, kind, body, created_at) VALUES (?, ?, ?, ?, ?)`,
		interviewID, uid, kind, body, now)
	if err != nil {
		return Message{}, fmt.Errorf("interview: add message: %w", store.Translate(err))
	}
	id, _ := res.LastInsertId()
	return Message{ID: uint64(id), UserID: userID, Name: name, Kind: kind, Body: body, CreatedAt: now}, nil
}

// closeAI stores the AI interviewer's closing line and, in the same
// commit, asks the score worker to review the answers (cmd.score.interview,
// one per interview).
func (s *Service) closeAI(ctx context.Context, interviewID uint64) (Message, error) {
	var m Message
	err := s.Relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
		var err error
		if m, err = s.addMessage(ctx, tx, interviewID, 0, AIName, MsgChat, AIClosing); err != nil {
			return err
		}
		env, err := events.NewEnvelope(events.OpScoreInterview, "", 0, events.ScoreInterview{InterviewID: interviewID})
		if err != nil {
			return err
		}
		env.ID = events.ScoreInterviewID(interviewID)
		return ob.Add(events.CmdScoreInterview, env)
	})
	return m, err
}

// ForReview returns an interview and its transcript without an access
// check (the score worker reviews a finished AI interview's answers).
func (s *Service) ForReview(ctx context.Context, id uint64) (Interview, []Message, error) {
	iv, err := load(ctx, s.DB, `i.id = ?`, id, false)
	if err != nil {
		return Interview{}, nil, err
	}
	tr, err := s.transcript(ctx, id)
	return iv, tr, err
}

// AIFinished reports whether an AI interview's interviewer said its
// closing line.
func AIFinished(transcript []Message) bool {
	for _, m := range transcript {
		if m.UserID == 0 && m.Body == AIClosing {
			return true
		}
	}
	return false
}

// Messages returns a room's chat (an AI interview's transcript) to the
// interview's participants and the company's members, oldest first.
func (s *Service) Messages(ctx context.Context, a company.Actor, id uint64) ([]Message, error) {
	iv, err := load(ctx, s.DB, `i.id = ?`, id, false)
	if err != nil {
		return nil, err
	}
	if _, err := authorize(ctx, s.DB, a, iv, NeedRead); err != nil {
		return nil, err
	}
	return s.transcript(ctx, id)
}

func (s *Service) transcript(ctx context.Context, id uint64) ([]Message, error) {
	var rows []struct {
		Message
		UID sql.NullInt64 `db:"uid"`
	}
	if err := s.DB.SelectContext(ctx, &rows, `SELECT m.id, m.user_id AS uid, COALESCE(u.username, '') AS name, m.kind, m.body, m.created_at
		FROM interview_messages m LEFT JOIN users u ON u.id = m.user_id WHERE m.interview_id = ? ORDER BY m.id LIMIT 5000`, id); err != nil {
		return nil, fmt.Errorf("interview: messages: %w", store.Translate(err))
	}
	out := make([]Message, len(rows))
	for i, r := range rows {
		out[i] = r.Message
		out[i].UserID = uint64(r.UID.Int64)
		if !r.UID.Valid {
			out[i].Name = AIName
		}
	}
	return out, nil
}
