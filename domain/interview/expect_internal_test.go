package interview

import "testing"

// TestEveryBankQuestionHasExpectations: the score worker's offline review
// of AI interviews finds what a good answer mentions for every question
// the bank can ask, also the first one with its greeting.
func TestEveryBankQuestionHasExpectations(t *testing.T) {
	for skill, qs := range bank {
		for _, q := range qs {
			if len(Expectations(q)) < 3 {
				t.Errorf("%s: %q has no expectations", skill, q)
			}
			if len(Expectations("Hello! I will ask you 5 questions about the X role at Y; answer each in the chat. First: "+q)) == 0 {
				t.Errorf("%s: %q with the greeting has no expectations", skill, q)
			}
		}
	}
	if Expectations("What is your favourite colour?") != nil {
		t.Error("a question outside the bank has expectations")
	}
}
