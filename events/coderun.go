package events

// Payload pieces of a code.execute run against test cases (issue 9): the
// candidate's Run of a problem's examples and of their own custom tests,
// each compared with its expected output when one is given. They extend
// CodeExecute and CodeExecuteResult; a run without cases keeps the
// one-program-one-stdin shape.

// MaxRunTests bounds the cases of one run (a problem's examples plus the
// candidate's custom tests): a Run is a quick check, not a grading.
const MaxRunTests = 20

// CodeRunTest is one case of a run.
type CodeRunTest struct {
	Input string `json:"input"`
	// Expected is the output to compare with; nil runs the case without a
	// comparison (verdict OK when the program exits cleanly).
	Expected *string `json:"expected_output,omitempty"`
	// Example is the 1-based number of the problem's example this case
	// is, 0 for a custom test.
	Example int `json:"example,omitempty"`
}

// CodeRunComparison is the output checker of a run's cases (the problem's,
// or trailing-whitespace when the run has no problem). Mode is a
// judge.Mode.
type CodeRunComparison struct {
	Mode       string  `json:"mode"`
	AbsEpsilon float64 `json:"abs_epsilon,omitempty"`
	RelEpsilon float64 `json:"rel_epsilon,omitempty"`
}

// CodeRunResult is one case's outcome. Verdict is AC or WA when the case
// had an expected output and the program finished, OK when it had none,
// or the run's failure (TLE, MLE, OLE, RE, IE). Stdout, Stderr and
// Expected are cut to a share of the worker's report cap (Truncated).
type CodeRunResult struct {
	Index     int     `json:"index"`
	Example   int     `json:"example,omitempty"`
	Verdict   string  `json:"verdict"`
	Checked   bool    `json:"checked"` // compared with an expected output
	Expected  *string `json:"expected_output,omitempty"`
	Stdout    string  `json:"stdout"`
	Stderr    string  `json:"stderr"`
	ExitCode  int     `json:"exit_code"`
	Signal    string  `json:"signal,omitempty"`
	TimeMS    int64   `json:"time_ms"`
	MemoryKB  int64   `json:"memory_kb"`
	Message   string  `json:"message,omitempty"` // why it failed ("line 2: output differs")
	Truncated bool    `json:"truncated,omitempty"`
}
