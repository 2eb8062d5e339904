package judge

// TestCase is one graded input with its expected output.
type TestCase struct {
	// Name identifies the test in logs and results (for example "03-edge").
	Name   string `json:"name"`
	Input  string `json:"input"`
	Output string `json:"output"`
}
