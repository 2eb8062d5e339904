package events

import "strconv"

// Scoring vocabulary (domain/score, workers/score): the commands of the
// score worker, its operation, the push recruiters get when a review is
// stored, and its error codes.
//
// The score worker's commands are on CMD (cmd.score.>), so none is lost
// while no score worker runs:
//   - CmdScoreGraded carries assessment.graded: domain/assess adds it to the
//     outbox in the transaction that grades the attempt (envelope type
//     EvtAssessmentGraded, payload AssessmentAttempt, envelope id
//     ScoreGradedID(attempt): published once per attempt).
//   - CmdScoreRescore is a recruiter's POST /api/assessments/attempts/:id/rescore
//     (operation OpScoreRescore).
//   - CmdScoreInterview asks for the review of a finished AI interview's
//     answers; domain/interview adds it when the AI interviewer closes.

// Command subjects of the score worker.
const (
	CmdScoreGraded    = "cmd.score.graded"
	CmdScoreRescore   = "cmd.score.rescore"
	CmdScoreInterview = "cmd.score.interview"
)

// OpScoreRescore is the operation of a recruiter's rescore.
const OpScoreRescore = "score.rescore"

// OpScoreInterview is the envelope type of CmdScoreInterview.
const OpScoreInterview = "score.interview"

// EvtScoreReviewed is pushed to the company's recruiters and owners when an
// attempt's review (rubric, later the LLM's) is stored.
const EvtScoreReviewed = "score.reviewed"

// ScoreGradedID is the envelope id of an attempt's CmdScoreGraded (the
// stream's de-duplication keeps one).
func ScoreGradedID(attemptID uint64) string {
	return "score-graded-" + strconv.FormatUint(attemptID, 10)
}

// ScoreInterviewID is the envelope id of an interview's CmdScoreInterview.
func ScoreInterviewID(interviewID uint64) string {
	return "score-interview-" + strconv.FormatUint(interviewID, 10)
}

// ScoreRescore is the payload of CmdScoreRescore.
type ScoreRescore struct {
	AttemptID uint64 `json:"attempt_id"`
}

// ScoreInterview is the payload of CmdScoreInterview.
type ScoreInterview struct {
	InterviewID uint64 `json:"interview_id"`
}

// ScoreReviewed is the payload of score.reviewed and the result of a
// rescore operation.
type ScoreReviewed struct {
	AttemptID    uint64   `json:"attempt_id"`
	AssessmentID uint64   `json:"assessment_id"`
	Version      int      `json:"version"`
	SkillScore   float64  `json:"skill_score"`
	TrustScore   *int     `json:"trust_score,omitempty"`
	LLMStatus    string   `json:"llm_status"`
	LLMScore     *float64 `json:"llm_score,omitempty"`
	Signals      int      `json:"signals"`
}

// Codes of the score worker (their classes are in classOf, codes.go).
const (
	// CodeAttemptNotGraded: a rescore of an attempt that is not graded yet.
	CodeAttemptNotGraded Code = "attempt_not_graded"
)
