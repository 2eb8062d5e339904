package interview

import "strings"

// What a good answer to each question of the bank mentions: the offline
// rubric of the score worker (workers/score) reviews an AI interview's
// answers against these when no LLM is configured. Each point is a set of
// alternative words (any one counts), lower case, separated by "|".
var expectations = map[string][]string{
	"How do you decide between a channel and a mutex in Go? Give an example from your work.": {
		"channel|channels", "mutex|lock|sync.mutex", "ownership|owner|transfer|pass data|communicat", "shared state|shared memory|protect|critical section", "example|for instance|we|i "},
	"How would you find and fix a goroutine leak in a running Go service?": {
		"pprof|profile|profiling", "goroutine count|runtime.numgoroutine|number of goroutines|stack dump|stack trace", "context|cancel|cancellation|timeout",
		"blocked|blocking|channel never|never returns|wait", "test|goleak|monitor|metric"},
	"What does context cancellation give you in Go, and how do you propagate it?": {
		"cancel|cancellation", "deadline|timeout", "pass|propagate|first argument|parameter|ctx", "done()|<-ctx.done|ctx.done|select", "goroutine|request|downstream|release"},
	"How do you find out why a SQL query is slow, and what do you change first?": {
		"explain|query plan|execution plan", "index|indexes|indices", "slow query log|profil|measure|metrics", "full scan|table scan|rows examined|cardinality", "rewrite|join|limit|n+1"},
	"When would you choose a different transaction isolation level than the default?": {
		"read committed|repeatable read|serializable|read uncommitted", "phantom|dirty read|non-repeatable|anomal|lost update", "lock|locking|contention|deadlock", "performance|throughput|concurren", "consisten|correct"},
	"Explain the event loop in JavaScript and what a microtask is.": {
		"call stack|stack", "queue|task queue|callback queue|macrotask", "microtask|promise", "before the next|after the current|drain|priority", "settimeout|i/o|render"},
	"How do you keep a large front-end codebase maintainable?": {
		"component|module", "test|tests|testing", "lint|type|typescript|style guide", "review|convention|documentation", "state management|dependency|refactor"},
	"How do you structure a Python project so that it stays testable?": {
		"package|module|src", "pytest|unittest|test", "dependency injection|inject|mock|fixture", "pure function|small function|separation|side effect", "virtualenv|venv|requirements|pyproject|poetry"},
	"When is asyncio the right tool in Python, and when is it not?": {
		"i/o|io-bound|network|io bound", "cpu|cpu-bound|compute|gil", "event loop|await|async", "thread|process|multiprocessing", "blocking|library|ecosystem"},
	"How would you roll out a change to a service on Kubernetes without downtime?": {
		"rolling|rollout|deployment", "readiness|liveness|probe|health", "replica|replicas|maxunavailable|maxsurge", "rollback|canary|blue", "graceful|drain|shutdown|prestop"},
	"How do you keep container images small and secure?": {
		"multi-stage|multistage|multi stage", "alpine|distroless|slim|scratch|minimal base", "scan|vulnerab|cve|trivy", "non-root|nonroot|user", "pin|digest|update|patch"},
	"Tell me about a project you are proud of and your part in it.": {
		"i |my |me ", "team|we ", "result|impact|users|customers|improv", "challenge|problem|hard|difficult", "learn|learned|lesson"},
	"Describe a hard bug you tracked down. How did you find the cause?": {
		"log|logs|trace|debug", "reproduc|repro", "cause|root cause", "fix|fixed|patch", "test|prevent|monitor"},
	"How do you make sure the code you ship is correct?": {
		"test|tests|unit|integration", "review|code review", "ci|continuous integration|pipeline|automat", "monitor|metrics|alert|observab", "spec|requirement|type|static analysis|lint"},
	"Tell me about a disagreement on a technical decision and how it was resolved.": {
		"disagree|disagreement|different view|opinion", "data|evidence|prototype|benchmark|measure", "listen|understand|discuss", "decid|agreed|compromise|resolved", "learn|outcome|result"},
	"What would you want to learn in your first three months in this role?": {
		"codebase|system|architecture|product", "team|people|colleagues", "customer|user|domain|business", "process|deploy|on-call|workflow", "goal|contribut|deliver"},
}

// Expectations returns what a good answer to a question of the bank
// mentions (alternatives separated by "|"), or nil for a question the bank
// does not hold (an LLM's). The opening of the first question is skipped.
func Expectations(question string) []string {
	if e, ok := expectations[question]; ok {
		return e
	}
	if _, q, ok := strings.Cut(question, " First: "); ok {
		return expectations[q]
	}
	return nil
}
