package judge

// TestCase is one graded input with its expected output.
type TestCase struct {
	// Name identifies the test in logs and results (for example "03-edge").
	Name   string `json:"name"`
	Input  string `json:"input"`
	Output string `json:"output"`
	// Visible marks a test the candidate already sees (one of the
	// problem's examples): its result keeps the input, the expected and
	// actual output and stderr (Options.VisibleBytes each), so a wrong
	// answer on it can be shown. Hidden tests keep none of them.
	Visible bool `json:"visible,omitempty"`
}
