package events

// Report vocabulary (domain/reports): the command that builds a candidate
// report snapshot, its operation and its typed failures. The score worker
// role consumes the command (cmd.score.report): building a report reads the
// scored review, so it runs beside the scorer and scales with it.

// CmdReportGenerate asks for a new snapshot of an attempt's report.
const CmdReportGenerate = "cmd.score.report"

// OpReportGenerate is the operation of POST /api/reports/generate; its
// result is a ReportGenerated.
const OpReportGenerate = "report.generate"

// EvtReportGenerated is pushed to the requester when a snapshot is stored.
const EvtReportGenerated = "report.generated"

// ReportGenerate is the payload of cmd.score.report. The snapshot is built
// with the requester's rights (ActorUserID of the envelope): what they may
// no longer read is not put in it.
type ReportGenerate struct {
	AttemptID uint64 `json:"attempt_id"`
	Role      string `json:"role"` // the requester's account role
	RequestID string `json:"request_id,omitempty"`
}

// ReportGenerated is the op.completed result of report.generate.
type ReportGenerated struct {
	ReportID    uint64 `json:"report_id"`
	AttemptID   uint64 `json:"attempt_id"`
	CandidateID uint64 `json:"candidate_id"`
	Version     int    `json:"version"`
}

// Codes of reports (generation over the bus and domain/reports' refusals;
// their classes are in classOf, codes.go).
const (
	// CodeReportAttemptNotFound: the attempt is gone, or the requester may
	// no longer read it (a failed report.generate).
	CodeReportAttemptNotFound Code = "report_attempt_not_found"
	// CodeReportNotSubmitted: the attempt is still being taken.
	CodeReportNotSubmitted Code = "report_not_submitted"
	// CodeReportNotGenerated: the caller may read the attempt, but no
	// snapshot of its report exists yet (POST /api/reports/generate).
	CodeReportNotGenerated Code = "report_not_generated"
	// CodeResultsNotReleased: the candidate's own report before the company
	// released the results.
	CodeResultsNotReleased Code = "results_not_released"
)
