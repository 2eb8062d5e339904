package events

// Assessment vocabulary (domain/assess): the pushes recruiters get when an
// attempt is submitted and graded, the submit operation, and the invitation
// mail.

// Event types of assessments, pushed to the company's recruiters and owners.
const (
	EvtAssessmentSubmitted = "assessment.submitted"
	EvtAssessmentGraded    = "assessment.graded"
)

// OpAssessmentSubmit is the operation of POST /api/assessments/:id/submit;
// it completes when the automatic grading (MCQ and code) is finished. Its
// result never carries scores (the candidate sees them only once released).
const OpAssessmentSubmit = "assessment.submit"

// MailTemplateAssessment is the mail inviting a candidate to an assessment.
const MailTemplateAssessment = "assessment_invitation"

// AssessmentAttempt is the payload of assessment.submitted and
// assessment.graded (to members only: it carries the score).
type AssessmentAttempt struct {
	AttemptID    uint64   `json:"attempt_id"`
	AssessmentID uint64   `json:"assessment_id"`
	CompanyID    uint64   `json:"company_id"`
	CandidateID  uint64   `json:"candidate_id"`
	Status       string   `json:"status"`
	SubmittedBy  string   `json:"submitted_by,omitempty"` // candidate | deadline
	Score        *float64 `json:"score,omitempty"`
	MaxScore     float64  `json:"max_score"`
}

// AssessmentSubmitResult is the op.completed result of assessment.submit.
type AssessmentSubmitResult struct {
	AttemptID uint64 `json:"attempt_id"`
	Status    string `json:"status"` // graded | awaiting_manual
}
