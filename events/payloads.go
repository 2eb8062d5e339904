package events

import "encoding/json"

// SendOTP asks the mail worker to make, store and mail a one-time code.
type SendOTP struct {
	Email   string `json:"email"`
	Purpose string `json:"purpose"` // register | reset
}

// Welcome asks the mail worker to greet a newly registered user.
type Welcome struct {
	UserID   uint64 `json:"user_id"`
	Email    string `json:"email"`
	Username string `json:"username"`
}

// OTPSent is published when a code left by mail (never contains the code).
type OTPSent struct {
	Email     string `json:"email"`
	Purpose   string `json:"purpose"`
	ExpiresAt string `json:"expires_at"`
}

// OpError is the public error of a failed operation.
type OpError struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// OpCompleted announces the end of an operation, with its result.
type OpCompleted struct {
	OpID   string          `json:"op_id"`
	OpType string          `json:"op_type"`
	Status string          `json:"status"` // done | failed
	Result json.RawMessage `json:"result,omitempty"`
	Error  *OpError        `json:"error,omitempty"`
}

// OpProgress reports intermediate progress of a long operation.
type OpProgress struct {
	OpID   string          `json:"op_id"`
	OpType string          `json:"op_type"`
	Done   int             `json:"done"`
	Total  int             `json:"total"`
	Detail json.RawMessage `json:"detail,omitempty"`
}

// SessionRevoked tells every edge to refuse tokens of this session at once.
type SessionRevoked struct {
	SessionID string `json:"session_id"`
	UserID    uint64 `json:"user_id"`
}

// DeadLetter is what lands on dlq.<subject>.
type DeadLetter struct {
	Subject    string   `json:"subject"`
	Consumer   string   `json:"consumer"`
	Deliveries uint64   `json:"deliveries"`
	Error      string   `json:"error"`
	Envelope   Envelope `json:"envelope"`
}

// CodeExecute asks the code worker to compile (if needed) and run one
// program once. Limits of zero take the worker's defaults.
type CodeExecute struct {
	Language      string `json:"language"`
	Source        string `json:"source"`
	Stdin         string `json:"stdin,omitempty"`
	TimeLimitMS   int64  `json:"time_limit_ms,omitempty"`
	MemoryLimitKB int64  `json:"memory_limit_kb,omitempty"`
	// Tests, when set, run the program once per case instead of once on
	// Stdin, each compared by Comparison (nil: trailing whitespace) with
	// its expected output (coderun.go). ProblemID names the problem whose
	// examples and limits they came from (0: none); a problem's run gets
	// the language's time factor like a submission.
	Tests      []CodeRunTest      `json:"tests,omitempty"`
	Comparison *CodeRunComparison `json:"comparison,omitempty"`
	ProblemID  int64              `json:"problem_id,omitempty"`
}

// CodeSubmit asks the code worker to grade a stored submission. The source
// is read from its coding_submissions row, so the command stays small
// whatever the source size.
type CodeSubmit struct {
	SubmissionID uint64 `json:"submission_id"`
	ProblemID    int64  `json:"problem_id"`
	Language     string `json:"language"`
}

// CodeTest reports one graded test of a submission as it finishes. It never
// carries the test's input or expected output.
type CodeTest struct {
	SubmissionID uint64 `json:"submission_id"`
	Index        int    `json:"index"`
	Verdict      string `json:"verdict"`
	TimeMS       int64  `json:"time_ms,omitempty"`   // not sent for hidden tests
	MemoryKB     int64  `json:"memory_kb,omitempty"` // not sent for hidden tests
	Done         int    `json:"done"`
	Total        int    `json:"total"`
	// Seq orders the pushes of one operation (increasing, with gaps); a
	// test pushed by an earlier delivery is not pushed again.
	Seq uint64 `json:"seq,omitempty"`
}

// FaceEnroll asks the face worker to enrol (register) or replace (reset)
// a user's face from several images (base64 or data URLs).
type FaceEnroll struct {
	UserID uint64   `json:"user_id"`
	Images []string `json:"images"`
	Source string   `json:"source"` // register | reset
}

// FaceIdentify asks for a face login decision: 1:1 against UserID when it
// is set (the edge resolved a username or email), 1:N otherwise.
type FaceIdentify struct {
	Image  string `json:"image,omitempty"`
	UserID uint64 `json:"user_id,omitempty"`
	// Images are several frames of one sign-in (3–5 over about a second),
	// in capture order; Image alone is one frame.
	Images []string `json:"images,omitempty"`
	// Challenge is the liveness challenge the frames must perform (steps
	// of face/challenge.Step, in order); empty: no liveness check.
	Challenge []string `json:"challenge,omitempty"`
}

// FaceDetect asks for the faces in one image.
type FaceDetect struct {
	Image    string `json:"image"`
	Detector string `json:"detector,omitempty"` // tiny (default) | ssd
}

// FaceFrameCheck asks whether a proctoring frame shows exactly the enrolled
// candidate.
type FaceFrameCheck struct {
	AssessmentID uint64 `json:"assessment_id"`
	AttemptID    uint64 `json:"attempt_id,omitempty"`
	UserID       uint64 `json:"user_id"`
	Image        string `json:"image"`
	FrameKey     string `json:"frame_key,omitempty"` // object in ProctorFrameBucket when frames are kept
}

// FaceDeleteUser removes a user's enrolled face data.
type FaceDeleteUser struct {
	UserID uint64 `json:"user_id"`
}

// FaceEnrollProgress reports one checked enrolment image.
type FaceEnrollProgress struct {
	OpID   string   `json:"op_id"`
	Index  int      `json:"index"` // 0-based image index
	Total  int      `json:"total"`
	OK     bool     `json:"ok"`
	Reason string   `json:"reason,omitempty"` // code when !OK: no_face, multiple_faces, ...
	Detail string   `json:"detail,omitempty"`
	Score  float64  `json:"score,omitempty"`
	Box    *FaceBox `json:"box,omitempty"`
}

// FaceBox is a face rectangle in image pixels.
type FaceBox struct {
	X      float64 `json:"x"`
	Y      float64 `json:"y"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
}

// FaceAlert is a proctoring finding (face.absent, face.multiple,
// face.mismatch) about one frame.
type FaceAlert struct {
	OpID         string   `json:"op_id"`
	AssessmentID uint64   `json:"assessment_id"`
	AttemptID    uint64   `json:"attempt_id,omitempty"`
	UserID       uint64   `json:"user_id"`
	Kind         string   `json:"kind"` // the event type
	Confidence   float64  `json:"confidence"`
	Faces        int      `json:"faces"`
	Distance     *float64 `json:"distance,omitempty"` // face.mismatch: to the enrolled set
}

// FaceIndexChanged tells every face worker replica that a user's enrolled
// descriptors changed; replicas re-read that user from the system of record.
type FaceIndexChanged struct {
	Kind   string `json:"kind"` // replaced | deleted
	UserID uint64 `json:"user_id"`
	OpID   string `json:"op_id,omitempty"`
}

// CodeExecuteResult is the op.completed result of a code.execute operation.
// Stdout and Stderr are cut to the worker's report cap (Truncated says so).
type CodeExecuteResult struct {
	Verdict   string `json:"verdict"` // OK, TLE, MLE, OLE, RE, CE, IE
	Stdout    string `json:"stdout"`
	Stderr    string `json:"stderr"` // the compiler's message on CE
	ExitCode  int    `json:"exit_code"`
	Signal    string `json:"signal"`
	TimeMS    int64  `json:"time_ms"`
	WallMS    int64  `json:"wall_ms"`
	MemoryKB  int64  `json:"memory_kb"`
	Message   string `json:"message,omitempty"`
	Truncated bool   `json:"truncated,omitempty"`
	// Tests are the per-case results of a run with test cases (then
	// Verdict is CE with the compiler's message in Stderr, or the first
	// failing case's verdict, or AC when every checked case matched, or
	// OK when none had an expected output; Stdout stays empty). Passed
	// counts matching cases of the Checked ones.
	Tests   []CodeRunResult `json:"tests,omitempty"`
	Passed  int             `json:"passed,omitempty"`
	Checked int             `json:"checked,omitempty"`
}

// CodeTestResult is one graded test as stored and shown to the candidate:
// never the test's name, and for hidden tests only Index and Verdict (the
// other fields stay empty; issue 7). A Visible test is one of the
// problem's examples, already in the statement: it also shows its input,
// expected and actual output, stderr, time, memory and message (issue 9).
type CodeTestResult struct {
	Index    int    `json:"index"`
	Verdict  string `json:"verdict"`
	TimeMS   int64  `json:"time_ms,omitempty"`
	MemoryKB int64  `json:"memory_kb,omitempty"`
	ExitCode int    `json:"exit_code,omitempty"`
	Signal   string `json:"signal,omitempty"`
	Message  string `json:"message,omitempty"`
	Visible  bool   `json:"visible,omitempty"`
	Input    string `json:"input,omitempty"`
	Expected string `json:"expected_output,omitempty"`
	Stdout   string `json:"stdout,omitempty"`
	Stderr   string `json:"stderr,omitempty"`
}

// CodeSubmitResult is the op.completed result of a code.submit operation.
type CodeSubmitResult struct {
	SubmissionID  uint64           `json:"submission_id"`
	ProblemID     int64            `json:"problem_id"`
	Verdict       string           `json:"verdict"` // AC, WA, TLE, MLE, OLE, RE, CE, IE
	VerdictText   string           `json:"verdict_text"`
	Passed        int              `json:"passed"`
	Total         int              `json:"total"`
	Score         float64          `json:"score"`
	TimeMS        int64            `json:"time_ms"`
	MemoryKB      int64            `json:"memory_kb"`
	CompileOutput string           `json:"compile_output,omitempty"`
	Tests         []CodeTestResult `json:"tests"`
}

// FaceIdentifyResult is the result of a face_identify operation. UserID is
// set only when Matched.
type FaceIdentifyResult struct {
	Matched  bool    `json:"matched"`
	Mode     string  `json:"mode"` // verify (1:1) | identify (1:N)
	UserID   uint64  `json:"user_id,omitempty"`
	Distance float64 `json:"distance"`         // to the nearest (or claimed) user; -1 when nobody is enrolled
	Margin   float64 `json:"margin,omitempty"` // 1:N: runner-up distance minus Distance
	Reason   string  `json:"reason,omitempty"` // accepted | no_match | ambiguous | not_enrolled
	// The adaptive 1:1 rule's numbers: Score = 1 − Distance, Ratio =
	// Distance / Cohort (the closest other enrolled user).
	Score  float64 `json:"score,omitempty"`
	Ratio  float64 `json:"ratio,omitempty"`
	Cohort float64 `json:"cohort,omitempty"`
	// Frames is the quality verdict of every frame; GoodFrames were decided on.
	Frames     []FaceFrameVerdict `json:"frames,omitempty"`
	GoodFrames int                `json:"good_frames,omitempty"`
	// Liveness is the challenge's outcome when the command carried one.
	Liveness *FaceLiveness `json:"liveness,omitempty"`
}

// FaceFrameVerdict is one sign-in frame's quality gate.
type FaceFrameVerdict struct {
	Index int    `json:"index"`
	OK    bool   `json:"ok"`
	Code  string `json:"code,omitempty"` // no_face, multiple_faces, face_too_small, too_dark, too_bright, blurred, off_angle
	Hint  string `json:"hint,omitempty"` // what to change: "move closer", "more light", ...
}

// FaceLiveness is the outcome of an active liveness challenge.
type FaceLiveness struct {
	Passed bool     `json:"passed"`
	Steps  []string `json:"steps"`
	Reason string   `json:"reason,omitempty"`
}

// FaceDetectResult is the result of a face_detect operation.
type FaceDetectResult struct {
	Count  int             `json:"count"`
	Width  int             `json:"width"`
	Height int             `json:"height"`
	Faces  []FaceDetection `json:"faces"`
}

// FaceDetection is one detected face.
type FaceDetection struct {
	Score float64 `json:"score"`
	Box   FaceBox `json:"box"`
}
