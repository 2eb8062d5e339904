package edge

// The proctoring routes and the recruiters' live feed. POST /api/proctor/log
// takes a batch of browser signals for the caller's own active attempt and
// publishes it straight to JetStream on the attempt's ordered subject (the
// stream's ack is the durability point; the edge never waits for the
// worker). The reads and the authorization live in domain/proctor. Live
// updates come from workers/proctor on evt.proctor.<company>.<assessment>.
// <attempt>.<type>; every edge consumes them and forwards each to the /ws
// clients that subscribed to that attempt or assessment after passing
// proctor.Authorize — nobody else ever gets them.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/proctor"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/face/imaging"
	"github.com/hirebus/hirebus/ratelimit"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Limits of POST /api/proctor/log.
const (
	proctorMaxBatch   = 200      // events per request
	proctorMaxLength  = 10 << 20 // copy/paste length ceiling (characters)
	proctorMaxDurMS   = 24 * 3600 * 1000
	proctorLiveRecent = 50 // events sent on joining an attempt's feed
	proctorMaxSubs    = 64 // subscriptions per /ws connection
)

var proctorSignalsAccepted = promauto.NewCounter(prometheus.CounterOpts{
	Name: "hirebus_proctor_signals_accepted_total", Help: "Browser proctoring signals accepted by POST /api/proctor/log.",
})

// proctorEdge is the edge's proctoring state: the service, the per-user
// limiter and the live subscriptions of this edge's /ws clients.
type proctorEdge struct {
	svc *proctor.Service
	pub *events.Publisher

	mu           sync.RWMutex
	byAttempt    map[uint64]map[*wsClient]struct{}
	byAssessment map[uint64]map[*wsClient]struct{}
	subs         map[*wsClient][]liveKey

	frameMu sync.Mutex
	frames  jetstream.ObjectStore
}

type liveKey struct {
	assessment bool
	id         uint64
}

func (s *Server) proctorRoutes(api fiber.Router) {
	s.proc = &proctorEdge{
		svc:          &proctor.Service{DB: s.deps.DB, Relay: s.deps.Relay},
		pub:          events.NewPublisher(s.deps.JS),
		byAttempt:    map[uint64]map[*wsClient]struct{}{},
		byAssessment: map[uint64]map[*wsClient]struct{}{},
		subs:         map[*wsClient][]liveKey{},
	}
	auth := s.requireAuth
	api.Post("/proctor/log", auth, s.limitUser("proctor-log-user", "proctoring batch", ratelimit.PerMinute(s.cfg.ProctorLogPerMin)), s.handleProctorLog)
	api.Get("/proctor/violations/:id", auth, byID(s.proc.svc.Violations))
	api.Get("/proctor/attempts/:id/timeline", auth, s.handleProctorTimeline)
	api.Get("/proctor/attempts/:id/frames/:key", auth, s.handleProctorFrameImage)
	api.Get("/proctor/assessments/:id/live", auth, s.handleProctorLive)
	api.Get("/proctor/assessments/:id/rules", auth, s.handleProctorRules)
	api.Put("/proctor/assessments/:id/rules", auth, s.handleSetProctorRules)
}

type proctorLogEvent struct {
	Seq  uint64          `json:"seq"`
	Type string          `json:"type"`
	At   *time.Time      `json:"at"`
	Data json.RawMessage `json:"data"`
}

type proctorLogReq struct {
	AttemptID uint64            `json:"attempt_id"`
	Events    []proctorLogEvent `json:"events"`
}

var proctorTypes = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range events.SigTypes {
		m[t] = true
	}
	return m
}()

// proctorSignal checks one event and keeps only the fields its type may
// carry: whatever else the browser sends (e.g. pasted text) is dropped here
// and never reaches the bus or the database.
func proctorSignal(i int, e proctorLogEvent, now time.Time) (events.ProctorSignal, error) {
	field := "events[" + strconv.Itoa(i) + "]"
	if e.Seq == 0 {
		return events.ProctorSignal{}, badRequest("invalid_seq", field+".seq must be a positive integer")
	}
	if !proctorTypes[e.Type] {
		return events.ProctorSignal{}, badRequest("invalid_type", field+".type must be one of "+strings.Join(events.SigTypes, ", "))
	}
	at := now
	if e.At != nil {
		at = e.At.UTC()
		if at.Before(now.Add(-24*time.Hour)) || at.After(now.Add(5*time.Minute)) {
			return events.ProctorSignal{}, badRequest("invalid_at", field+".at must be a recent RFC 3339 time")
		}
	}
	var in struct {
		DurationMS int64  `json:"duration_ms"`
		Length     int    `json:"length"`
		Target     string `json:"target"`
		Count      int    `json:"count"`
		Chars      int    `json:"chars"`
	}
	if len(e.Data) > 0 && !bytes.Equal(bytes.TrimSpace(e.Data), []byte("null")) {
		if err := json.Unmarshal(e.Data, &in); err != nil {
			return events.ProctorSignal{}, badRequest("invalid_data", field+".data must be an object with numeric duration_ms, length, count, chars")
		}
	}
	if in.DurationMS < 0 || in.DurationMS > proctorMaxDurMS || in.Length < 0 || in.Length > proctorMaxLength ||
		in.Count < 0 || in.Count > 64 || in.Chars < 0 || in.Chars > proctorMaxLength {
		return events.ProctorSignal{}, badRequest("invalid_data", field+".data has a value out of range")
	}
	var d events.ProctorData
	switch e.Type {
	case events.SigTabVisible, events.SigWindowFocus, events.SigIdle, events.SigOnline:
		d.DurationMS = in.DurationMS
	case events.SigCopy, events.SigCut:
		d.Length = in.Length
	case events.SigPaste:
		d.Length = in.Length
		switch in.Target {
		case "code", "text", "other":
			d.Target = in.Target
		case "":
			d.Target = "other"
		default:
			return events.ProctorSignal{}, badRequest("invalid_data", field+".data.target must be code, text or other")
		}
	case events.SigScreens:
		d.Count = in.Count
	case events.SigKeystrokes:
		d.Chars, d.DurationMS = in.Chars, in.DurationMS
	}
	return events.ProctorSignal{Seq: e.Seq, Type: e.Type, At: at, Data: d}, nil
}

// handleProctorLog accepts a batch of signals for the caller's own active
// attempt: 202 once JetStream stored it. A retried request with the same
// events is dropped by the stream's de-duplication, and the worker counts
// each (attempt, seq) once whatever arrives twice.
func (s *Server) handleProctorLog(c *fiber.Ctx) error {
	p, _ := principal(c)
	var req proctorLogReq
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.AttemptID == 0 {
		return badRequest("missing_attempt_id", "attempt_id is required")
	}
	if len(req.Events) == 0 || len(req.Events) > proctorMaxBatch {
		return badRequest("invalid_events", fmt.Sprintf("events must hold 1 to %d events", proctorMaxBatch))
	}
	now := time.Now().UTC()
	sigs := make([]events.ProctorSignal, 0, len(req.Events))
	seen := map[uint64]bool{}
	for i, e := range req.Events {
		sig, err := proctorSignal(i, e, now)
		if err != nil {
			return err
		}
		if seen[sig.Seq] {
			continue // the same seq twice in one batch counts once
		}
		seen[sig.Seq] = true
		sigs = append(sigs, sig)
	}
	ctx := c.UserContext()
	attemptID, assessmentID, err := s.assess.ActiveAttempt(ctx, actor(c), req.AttemptID, 0)
	if err != nil {
		return err
	}
	// Accepted starts the live feed's latency (and its stage metrics): the
	// batch is valid and authorised and goes to the stream now; the 202
	// follows the stream's ack.
	accepted := time.Now().UTC()
	payload := events.ProctorSignals{AttemptID: attemptID, AssessmentID: assessmentID, CandidateID: p.UserID, Accepted: accepted, Events: sigs}
	env, err := events.NewEnvelope(events.OpProctorSignals, "", p.UserID, payload)
	if err != nil {
		return err
	}
	// The message id names the batch's content, so a retried POST within
	// the stream's de-duplication window is stored once.
	seqs := make([]string, len(sigs))
	for i, sg := range sigs {
		seqs[i] = strconv.FormatUint(sg.Seq, 10)
	}
	env.ID = "proctor-" + strconv.FormatUint(attemptID, 10) + "-" + events.HashID(strings.Join(seqs, ","))
	if err := s.proc.pub.Publish(ctx, events.ProctorSubject(attemptID), env); err != nil {
		s.log.ErrorContext(ctx, "proctor log publish failed", "err", err)
		return Errorf(503, "bus_unavailable", "proctoring signals could not be queued; retry")
	}
	events.ObserveProctorStage(events.StageEdgeStored, accepted)
	proctorSignalsAccepted.Add(float64(len(sigs)))
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"attempt_id": attemptID, "accepted": len(sigs)})
}

func (s *Server) handleProctorTimeline(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	after, err := queryID(c, "after")
	if err != nil {
		return err
	}
	tl, err := s.proc.svc.Timeline(c.UserContext(), actor(c), id, after)
	if err != nil {
		return err
	}
	return c.JSON(tl)
}

// liveAttempt is one row of the recruiters' live grid.
type liveAttempt struct {
	AttemptID     uint64                   `json:"attempt_id"`
	CandidateID   uint64                   `json:"candidate_id"`
	CandidateName string                   `json:"candidate_name"`
	Status        string                   `json:"status"`
	Deadline      time.Time                `json:"deadline"`
	SecondsLeft   int64                    `json:"seconds_left"`
	Score         int                      `json:"trust_score"`
	Flagged       bool                     `json:"flagged"`
	LatestFlag    *events.ProctorViolation `json:"latest_flag"`
	LastFrame     string                   `json:"last_frame,omitempty"`
}

// liveGrid lists an assessment's attempts with their proctoring state
// (members only: assess.Attempts authorises).
func (s *Server) liveGrid(ctx context.Context, a company.Actor, assessmentID uint64) ([]liveAttempt, error) {
	if _, err := s.proc.svc.AuthorizeLive(ctx, a, assessmentID); err != nil {
		return nil, err
	}
	list, err := s.assess.Attempts(ctx, a, assessmentID)
	if err != nil {
		if errors.Is(err, assess.ErrNotFound) {
			return nil, proctor.ErrNotFound
		}
		return nil, err
	}
	scores, err := s.proc.svc.ScoresOf(ctx, assessmentID)
	if err != nil {
		return nil, err
	}
	flags, err := s.proc.svc.LatestFlags(ctx, assessmentID)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	out := []liveAttempt{}
	for _, t := range list {
		row := liveAttempt{AttemptID: t.ID, CandidateID: t.CandidateID, CandidateName: t.CandidateName, Status: t.Status,
			Deadline: t.Deadline, Score: 100}
		if t.Status == assess.AttemptActive {
			row.SecondsLeft = max(0, int64(t.Deadline.Sub(now).Seconds()))
		}
		if sc, ok := scores[t.ID]; ok {
			row.Score, row.Flagged, row.LastFrame = sc.Score, sc.Flagged, sc.LastFrame
		}
		if f, ok := flags[t.ID]; ok {
			row.LatestFlag = &f
		}
		out = append(out, row)
	}
	return out, nil
}

func (s *Server) handleProctorLive(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	grid, err := s.liveGrid(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"assessment_id": id, "attempts": grid})
}

func (s *Server) handleProctorRules(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if _, err := s.proc.svc.AuthorizeLive(ctx, actor(c), id); err != nil {
		return err
	}
	rules, flagAt, err := proctor.Rules(ctx, s.deps.DB, id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"rules": rules, "flag_at": flagAt, "defaults": proctor.Defaults})
}

func (s *Server) handleSetProctorRules(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req struct {
		Overrides []proctor.Override `json:"overrides"`
		FlagAt    int                `json:"flag_at"`
	}
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	rs, err := s.proc.svc.SetRules(c.UserContext(), actor(c), id, req.Overrides, req.FlagAt)
	if err != nil {
		return err
	}
	return c.JSON(rs)
}

// --- live feed over /ws --------------------------------------------------------

// wsProctorMsg is a client's subscribe or unsubscribe message:
// {"type":"proctor.subscribe","attempt_id":7} or {"type":"proctor.subscribe","assessment_id":3}.
type wsProctorMsg struct {
	Type         string `json:"type"`
	AttemptID    uint64 `json:"attempt_id"`
	AssessmentID uint64 `json:"assessment_id"`
}

// handleWSMessage handles one message a client sent on /ws; the answers go
// through the client's send queue like every push.
func (s *Server) handleWSMessage(c *wsClient, p Principal, raw []byte) {
	var m wsProctorMsg
	if json.Unmarshal(raw, &m) != nil || !strings.HasPrefix(m.Type, "proctor.") || s.proc == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	a := company.Actor{UserID: p.UserID, Role: p.Role}
	fail := func(code, msg string) {
		s.proc.sendTo(c, Push{Type: "proctor.error", Data: mustJSON(fiber.Map{"code": code, "message": msg,
			"attempt_id": m.AttemptID, "assessment_id": m.AssessmentID}), Time: time.Now().UTC()})
	}
	key := liveKey{assessment: m.AssessmentID != 0, id: m.AttemptID}
	if key.assessment {
		key.id = m.AssessmentID
	}
	if (m.AttemptID == 0) == (m.AssessmentID == 0) {
		fail("bad_request", "send exactly one of attempt_id or assessment_id")
		return
	}
	switch m.Type {
	case "proctor.unsubscribe":
		s.proc.unsubscribe(c, key)
		return
	case "proctor.subscribe":
	default:
		fail("bad_request", "unknown message type")
		return
	}
	// Authorise, then subscribe, then read the snapshot: an update racing
	// with the read is queued before the snapshot, which already includes
	// it, so nothing falls between the two.
	if key.assessment {
		if _, err := s.proc.svc.AuthorizeLive(ctx, a, key.id); err != nil {
			fail("not_found", "not found")
			return
		}
	} else if v, err := proctor.Authorize(ctx, s.deps.DB, a, key.id); err != nil || v.Candidate {
		fail("not_found", "not found")
		return
	}
	if !s.proc.subscribe(c, key) {
		fail("too_many_subscriptions", "too many proctoring subscriptions on this connection")
		return
	}
	var snapshot any
	if key.assessment {
		grid, err := s.liveGrid(ctx, a, key.id)
		if err != nil {
			s.proc.unsubscribe(c, key)
			fail("not_found", "not found")
			return
		}
		snapshot = fiber.Map{"assessment_id": key.id, "attempts": grid}
	} else {
		snap, _, err := s.proc.svc.SnapshotFor(ctx, a, key.id, proctorLiveRecent)
		if err != nil {
			s.proc.unsubscribe(c, key)
			fail("not_found", "not found")
			return
		}
		snapshot = snap
	}
	s.proc.sendTo(c, Push{Type: "proctor.snapshot", Data: mustJSON(snapshot), Time: time.Now().UTC()})
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

func (pe *proctorEdge) sendTo(c *wsClient, p Push) { c.enqueue(&p) }

func (pe *proctorEdge) subscribe(c *wsClient, k liveKey) bool {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	for _, have := range pe.subs[c] {
		if have == k {
			return true
		}
	}
	if len(pe.subs[c]) >= proctorMaxSubs {
		return false
	}
	m := pe.byAttempt
	if k.assessment {
		m = pe.byAssessment
	}
	set := m[k.id]
	if set == nil {
		set = map[*wsClient]struct{}{}
		m[k.id] = set
	}
	set[c] = struct{}{}
	pe.subs[c] = append(pe.subs[c], k)
	return true
}

func (pe *proctorEdge) unsubscribe(c *wsClient, k liveKey) {
	pe.mu.Lock()
	defer pe.mu.Unlock()
	pe.unsubscribeLocked(c, k)
	keys := pe.subs[c][:0]
	for _, have := range pe.subs[c] {
		if have != k {
			keys = append(keys, have)
		}
	}
	if len(keys) == 0 {
		delete(pe.subs, c)
	} else {
		pe.subs[c] = keys
	}
}

func (pe *proctorEdge) unsubscribeLocked(c *wsClient, k liveKey) {
	m := pe.byAttempt
	if k.assessment {
		m = pe.byAssessment
	}
	if set := m[k.id]; set != nil {
		delete(set, c)
		if len(set) == 0 {
			delete(m, k.id)
		}
	}
}

// drop forgets a closed connection's subscriptions.
func (pe *proctorEdge) drop(c *wsClient) {
	if pe == nil {
		return
	}
	pe.mu.Lock()
	defer pe.mu.Unlock()
	for _, k := range pe.subs[c] {
		pe.unsubscribeLocked(c, k)
	}
	delete(pe.subs, c)
}

// parseProctorSubject splits evt.proctor.<company>.<assessment>.<attempt>.<type>.
func parseProctorSubject(subject string) (assessmentID, attemptID uint64, typ string, ok bool) {
	rest, found := strings.CutPrefix(subject, "evt.proctor.")
	if !found {
		return 0, 0, "", false
	}
	parts := strings.SplitN(rest, ".", 4)
	if len(parts) != 4 {
		return 0, 0, "", false
	}
	as, err1 := strconv.ParseUint(parts[1], 10, 64)
	at, err2 := strconv.ParseUint(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, "", false
	}
	return as, at, parts[3], true
}

// dispatch forwards a live proctoring event to this edge's subscribers of
// its attempt and of its assessment (each connection once).
func (pe *proctorEdge) dispatch(m jetstream.Msg, seq uint64, env events.Envelope) {
	assessmentID, attemptID, typ, ok := parseProctorSubject(m.Subject())
	if !ok {
		return
	}
	p := pushFrom(seq, typ, env)
	pe.mu.RLock()
	n := 0
	for c := range pe.byAttempt[attemptID] {
		pe.sendTo(c, p)
		n++
	}
	for c := range pe.byAssessment[assessmentID] {
		if _, both := pe.byAttempt[attemptID][c]; both {
			continue
		}
		pe.sendTo(c, p)
		n++
	}
	pe.mu.RUnlock()
	if n > 0 && typ == events.EvtProctorUpdate {
		var up struct {
			Accepted *time.Time `json:"accepted"`
		}
		if json.Unmarshal(env.Payload, &up) == nil && up.Accepted != nil {
			events.ObserveProctorStage(events.StageEdgePushed, *up.Accepted)
		}
	}
}

// --- kept frames -------------------------------------------------------------------

// frameStore opens (creating on first use) the bucket of kept frames; its
// objects expire after the proctoring retention.
func (s *Server) frameStore(ctx context.Context) (jetstream.ObjectStore, error) {
	pe := s.proc
	pe.frameMu.Lock()
	defer pe.frameMu.Unlock()
	if pe.frames != nil {
		return pe.frames, nil
	}
	st, err := s.deps.JS.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket: events.ProctorFrameBucket, Description: "proctoring webcam frames (HIREBUS_PROCTOR_KEEP_FRAMES)",
		TTL: s.cfg.ProctorRetention, Replicas: max(1, s.cfg.ObjectReplicas), Storage: jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("edge: frame bucket: %w", err)
	}
	pe.frames = st
	return st, nil
}

// keepFrame stores a proctoring frame when HIREBUS_PROCTOR_KEEP_FRAMES is
// set and returns its object name ("" otherwise: frames are not stored).
func (s *Server) keepFrame(ctx context.Context, attemptID uint64, image string) (string, error) {
	if !s.cfg.ProctorKeepFrames {
		return "", nil
	}
	data, err := imaging.DecodeBase64(image, faceImageMaxBytes)
	if err != nil {
		return "", imageError("image", err)
	}
	st, err := s.frameStore(ctx)
	if err != nil {
		return "", err
	}
	key := strconv.FormatUint(attemptID, 10) + "/" + events.NewID()
	if _, err := st.PutBytes(ctx, key, data); err != nil {
		s.log.ErrorContext(ctx, "keep frame failed", "err", err)
		return "", Errorf(503, "store_unavailable", "the frame could not be stored; retry")
	}
	return key, nil
}

// handleProctorFrameImage serves a kept frame to the attempt's company's
// members (and its candidate); the key must belong to the attempt.
func (s *Server) handleProctorFrameImage(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if _, err := proctor.Authorize(ctx, s.deps.DB, actor(c), id); err != nil {
		return err
	}
	name := c.Params("key")
	if !s.cfg.ProctorKeepFrames || strings.ContainsAny(name, "/.") || len(name) > 64 {
		return Errorf(404, "not_found", "not found")
	}
	st, err := s.frameStore(ctx)
	if err != nil {
		return err
	}
	data, err := st.GetBytes(ctx, strconv.FormatUint(id, 10)+"/"+name)
	if err != nil {
		return Errorf(404, "not_found", "not found")
	}
	c.Set(fiber.HeaderCacheControl, "private, max-age=3600")
	ct := "image/jpeg"
	if bytes.HasPrefix(data, []byte("\x89PNG")) {
		ct = "image/png"
	}
	c.Set(fiber.HeaderContentType, ct)
	return c.Send(data)
}
