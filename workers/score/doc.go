// Package score is the score worker role (`hirebus worker score`): it
// reviews every graded assessment attempt and every finished AI interview.
// It consumes cmd.score.graded (domain/assess hands it assessment.graded in
// the commit that grades the attempt), cmd.score.rescore (a recruiter's
// POST /api/assessments/attempts/:id/rescore) and cmd.score.interview (an
// AI interview's closing, domain/interview).
//
// Why a worker of its own: a review runs static analysers in the sandbox
// and may wait for an LLM for many seconds; none of that may hold back
// grading, the edge or the code worker. The offline rubric is always
// computed and stored first (domain/score); the LLM review, when
// HIREBUS_LLM_* is configured, is added to that version afterwards. A
// redelivered command finds its own stored review and repeats it.
package score
