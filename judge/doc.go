// Package judge grades a submission: it compiles the source once through a
// sandbox.Runner, runs every test case, compares each output with the
// expected one under the problem's comparison mode and aggregates per-test
// verdicts into an overall verdict and a score.
//
// The overall verdict is the verdict of the first test, in test order, that
// was not accepted (or Accepted when all were), independent of the order in
// which parallel runs finish, so the same submission always gets the same
// verdict. The score is passed/total.
package judge
