package events

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Proctoring vocabulary (domain/proctor, workers/proctor, edge/proctor.go).
//
// Order per attempt: every proctoring command of an attempt (the browser's
// signal batches and the face worker's frame-check results) is published on
// ProctorSubject(attempt) = cmd.proctor.signal.<partition>.<attempt>, where
// the partition is attempt % ProctorPartitions. Each partition has its own
// durable consumer with MaxAckPending 1, and every proctor worker process
// pulls from every partition: whatever the number of processes, one message
// per partition is in flight at a time, so the commands of one attempt are
// handled in the order they were stored, while the partitions run in
// parallel. (A work-queue stream forbids overlapping consumers, so there is
// no role-wide cmd.proctor.> consumer.)

// ProctorPartitions is the number of ordered partitions of proctoring
// commands. Changing it re-routes attempts; drain the proctor consumers
// first.
const ProctorPartitions = 16

// ProctorSubject is the command subject of an attempt's proctoring input.
func ProctorSubject(attemptID uint64) string {
	return "cmd.proctor.signal." + strconv.FormatUint(attemptID%ProctorPartitions, 10) + "." + strconv.FormatUint(attemptID, 10)
}

// ProctorPartitionFilter is the filter of partition p's consumer.
func ProctorPartitionFilter(p int) string { return "cmd.proctor.signal." + strconv.Itoa(p) + ".>" }

// ProctorConsumerName is the durable consumer of partition p; all proctor
// replicas share it.
func ProctorConsumerName(p int) string { return "worker-proctor-p" + strconv.Itoa(p) }

// ProctorFrameBucket is the JetStream object store of kept webcam frames
// (only with HIREBUS_PROCTOR_KEEP_FRAMES; objects expire after the
// proctoring retention).
const ProctorFrameBucket = "PROCTOR_FRAMES"

// Envelope types of proctoring commands.
const (
	OpProctorSignals = "proctor.signals" // a batch from the taking page
	OpProctorFrame   = "proctor.frame"   // a frame-check result from the face worker
)

// Browser signal types accepted by POST /api/proctor/log.
const (
	SigTabHidden       = "tab_hidden"
	SigTabVisible      = "tab_visible" // data.duration_ms: how long the tab was hidden
	SigWindowBlur      = "window_blur"
	SigWindowFocus     = "window_focus" // data.duration_ms
	SigFullscreenExit  = "fullscreen_exit"
	SigFullscreenEnter = "fullscreen_enter"
	SigCopy            = "copy"  // data.length
	SigCut             = "cut"   // data.length
	SigPaste           = "paste" // data.length, data.target (code|text|other); never the content
	SigContextMenu     = "context_menu"
	SigDevtools        = "devtools_open"
	SigScreens         = "screens"    // data.count: screens detected
	SigIdle            = "idle"       // data.duration_ms
	SigOffline         = "offline"    // network lost
	SigOnline          = "online"     // data.duration_ms offline
	SigKeystrokes      = "keystrokes" // data.chars typed in data.duration_ms
	// FrameChecked is the log kind of a frame with the candidate alone
	// (frames with findings use EvtFaceAbsent/Multiple/Mismatch).
	FrameChecked = "frame.ok"
)

// SigTypes are the accepted browser signal types.
var SigTypes = []string{SigTabHidden, SigTabVisible, SigWindowBlur, SigWindowFocus, SigFullscreenExit, SigFullscreenEnter,
	SigCopy, SigCut, SigPaste, SigContextMenu, SigDevtools, SigScreens, SigIdle, SigOffline, SigOnline, SigKeystrokes}

// ProctorData are the only fields a signal may carry; anything else the
// browser sends is dropped at the edge (paste content is never read).
type ProctorData struct {
	DurationMS int64  `json:"duration_ms,omitempty"`
	Length     int    `json:"length,omitempty"`
	Target     string `json:"target,omitempty"`
	Count      int    `json:"count,omitempty"`
	Chars      int    `json:"chars,omitempty"`
}

// ProctorSignal is one browser signal.
type ProctorSignal struct {
	Seq  uint64      `json:"seq"`
	Type string      `json:"type"`
	At   time.Time   `json:"at"`
	Data ProctorData `json:"data"`
}

// ProctorSignals is the payload of OpProctorSignals.
type ProctorSignals struct {
	AttemptID    uint64          `json:"attempt_id"`
	AssessmentID uint64          `json:"assessment_id"`
	CandidateID  uint64          `json:"candidate_id"`
	Accepted     time.Time       `json:"accepted"` // when the edge answered 202 (latency metric)
	Events       []ProctorSignal `json:"events"`
}

// ProctorFrame is the payload of OpProctorFrame: one frame check.
type ProctorFrame struct {
	AttemptID    uint64   `json:"attempt_id"`
	AssessmentID uint64   `json:"assessment_id"`
	UserID       uint64   `json:"user_id"`
	Faces        int      `json:"faces"`
	Enrolled     bool     `json:"enrolled"`
	Distance     *float64 `json:"distance,omitempty"`
	Alerts       []string `json:"alerts"`
	Confidence   float64  `json:"confidence,omitempty"`
	FrameKey     string   `json:"frame_key,omitempty"` // object name when frames are kept
}

// EvtProctorUpdate is pushed to the recruiters watching an attempt after
// each handled proctoring command: the new log entries, violations and
// score.
const EvtProctorUpdate = "proctor.update"

// ProctorEventSubject is where an attempt's live proctoring events go:
// evt.proctor.<company>.<assessment>.<attempt>.<type>. Edges route them to
// the WebSocket subscribers they authorised, never to anyone else.
func ProctorEventSubject(companyID, assessmentID, attemptID uint64, typ string) string {
	return "evt.proctor." + strconv.FormatUint(companyID, 10) + "." + strconv.FormatUint(assessmentID, 10) + "." +
		strconv.FormatUint(attemptID, 10) + "." + typ
}

// SubjectProctorEvents selects every live proctoring event.
const SubjectProctorEvents = "evt.proctor.>"

// ProctorLogEntry is one event of an attempt's timeline.
type ProctorLogEntry struct {
	ID       uint64       `json:"id"`
	Seq      *uint64      `json:"seq,omitempty"`
	Kind     string       `json:"kind"`
	Severity string       `json:"severity"`
	At       *time.Time   `json:"at,omitempty"`
	Created  time.Time    `json:"created_at"`
	Data     *ProctorData `json:"data,omitempty"`
	Frame    *FrameDetail `json:"frame,omitempty"`
}

// FrameDetail is a frame check's outcome in the timeline.
type FrameDetail struct {
	Faces      int      `json:"faces"`
	Distance   *float64 `json:"distance,omitempty"`
	Confidence float64  `json:"confidence,omitempty"`
	FrameKey   string   `json:"frame_key,omitempty"`
}

// ProctorViolation is one fired rule with its evidence.
type ProctorViolation struct {
	ID        uint64          `json:"id"`
	RuleID    string          `json:"rule"`
	Severity  string          `json:"severity"`
	Deduction int             `json:"deduction"`
	Evidence  ProctorEvidence `json:"evidence"`
	Created   time.Time       `json:"created_at"`
}

// ProctorEvidence explains a violation: the measured value against the
// rule's threshold, and the event that crossed it.
type ProctorEvidence struct {
	Metric      string  `json:"metric"`
	Value       float64 `json:"value"`
	Op          string  `json:"op"`
	Threshold   float64 `json:"threshold"`
	Description string  `json:"description"`
	LogID       uint64  `json:"log_id"`
	Seq         *uint64 `json:"seq,omitempty"`
	Kind        string  `json:"kind"`
	Samples     float64 `json:"samples,omitempty"` // frames checked, for ratios
}

// ProctorUpdate is the payload of proctor.update.
type ProctorUpdate struct {
	AttemptID    uint64             `json:"attempt_id"`
	AssessmentID uint64             `json:"assessment_id"`
	CompanyID    uint64             `json:"company_id"`
	CandidateID  uint64             `json:"candidate_id"`
	Score        int                `json:"score"`
	Flagged      bool               `json:"flagged"`
	FlaggedNow   bool               `json:"flagged_now,omitempty"`
	Events       []ProctorLogEntry  `json:"events"`
	Violations   []ProctorViolation `json:"violations,omitempty"`
	Accepted     *time.Time         `json:"accepted,omitempty"` // the edge's 202 time of the batch
	LastFrame    string             `json:"last_frame,omitempty"`
}

// HashID is a short stable id derived from s (message ids that name their
// content, for JetStream's de-duplication).
func HashID(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}
