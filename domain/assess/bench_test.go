package assess_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/domaintest"
	"github.com/hirebus/hirebus/events"
	"github.com/nats-io/nats.go/jetstream"
)

// The load; `make bench` uses these. Shorter runs:
// go test -run '^$' -bench Assess ./domain/assess -assess.interval=1s -assess.window=10s
var (
	benchAttempts  = flag.Int("assess.attempts", 200, "concurrent attempts autosaving in BenchmarkAssessAutosave")
	benchInterval  = flag.Duration("assess.interval", 5*time.Second, "autosave period of each attempt")
	benchDeadlines = flag.Int("assess.deadlines", 1000, "attempts whose deadlines fall in one window in BenchmarkAssessDeadlines")
	benchWindow    = flag.Duration("assess.window", time.Minute, "the window the deadlines fall in")
)

// seedAttempts makes an MCQ assessment of a fresh company and n candidates
// with an active attempt each, deadlines spread evenly from now+first over
// window (bulk SQL: the setup is not what is measured).
func seedAttempts(b *testing.B, e *domaintest.Env, svc *assess.Service, n int, first, window time.Duration) (assess.Assessment, []company.Actor) {
	ctx := context.Background()
	rec := e.User(b, "benchrec", "recruiter")
	co, err := (&company.Service{DB: e.DB, Relay: e.Relay}).Create(ctx, rec, "Bench Co", "")
	if err != nil {
		b.Fatal(err)
	}
	a, err := svc.Create(ctx, rec, assess.Input{CompanyID: co.ID, Title: "bench", DurationMinutes: 60, Questions: []assess.QuestionInput{
		{Kind: "mcq", Points: 1, Prompt: "a?", Options: []string{"x", "y"}, Correct: []int{0}},
		{Kind: "mcq", Points: 1, Prompt: "b?", Options: []string{"x", "y"}, Correct: []int{1}},
	}})
	if err != nil {
		b.Fatal(err)
	}
	exec := func(q string, args ...any) {
		if _, err := e.DB.Exec(q, args...); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	exec(fmt.Sprintf(`INSERT INTO users (username, email, password_hash, role) SELECT CONCAT('bc', seq), CONCAT('bc', seq, '@example.com'), 'x', 'candidate' FROM seq_1_to_%d`, n))
	step := window.Microseconds() / int64(max(n, 1))
	exec(fmt.Sprintf(`INSERT INTO assessment_attempts (assessment_id, candidate_id, consent_version, consented_at, started_at, deadline, max_score)
		SELECT ?, u.id, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL (? + (CAST(SUBSTRING(u.username, 3) AS UNSIGNED) - 1) * ?) MICROSECOND, 2
		FROM users u WHERE u.username LIKE 'bc%%' AND u.role = 'candidate'`), a.ID, assess.ConsentVersion, first.Microseconds(), step)
	exec(`INSERT INTO assessment_answers (attempt_id, question_id) SELECT t.id, q.id FROM assessment_attempts t JOIN assessment_questions q ON q.assessment_id = t.assessment_id WHERE t.assessment_id = ?`, a.ID)
	var ids []uint64
	if err := e.DB.Select(&ids, `SELECT candidate_id FROM assessment_attempts WHERE assessment_id = ? ORDER BY id`, a.ID); err != nil {
		b.Fatal(err)
	}
	actors := make([]company.Actor, len(ids))
	for i, id := range ids {
		actors[i] = company.Actor{UserID: id, Role: "candidate"}
	}
	return a, actors
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

// BenchmarkAssessAutosave: -assess.attempts attempts each autosave one
// answer every -assess.interval (staggered), b.N rounds; reports the p50 and
// p99 latency of a save (target p99 ≤ 30 ms at 200 attempts every 5 s).
func BenchmarkAssessAutosave(b *testing.B) {
	e := domaintest.Start(b)
	svc := &assess.Service{DB: e.DB, Relay: e.Relay}
	a, actors := seedAttempts(b, e, svc, *benchAttempts, time.Hour, 0)
	var attempts []uint64
	if err := e.DB.Select(&attempts, `SELECT id FROM assessment_attempts WHERE assessment_id = ? ORDER BY id`, a.ID); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var mu sync.Mutex
	var lat []time.Duration
	var failed int
	b.ResetTimer()
	var wg sync.WaitGroup
	for i := range actors {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			time.Sleep(time.Duration(rand.Int64N(int64(*benchInterval))))
			t := time.NewTicker(*benchInterval)
			defer t.Stop()
			for round := 0; round < b.N; round++ {
				q := a.Questions[round%len(a.Questions)].ID
				t0 := time.Now()
				_, err := svc.SaveAnswer(ctx, actors[i], attempts[i], q, assess.AnswerInput{Choices: []int{round % 2}})
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				if err != nil {
					failed++
				}
				mu.Unlock()
				if round < b.N-1 {
					<-t.C
				}
			}
		}(i)
	}
	wg.Wait()
	b.StopTimer()
	if failed > 0 {
		b.Fatalf("%d saves failed", failed)
	}
	b.ReportMetric(float64(pct(lat, 0.50).Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(pct(lat, 0.99).Microseconds())/1000, "p99_ms")
	b.ReportMetric(float64(len(lat)), "saves")
}

// BenchmarkAssessDeadlines: -assess.deadlines attempts whose deadlines fall
// evenly in the next -assess.window; two sweepers (one holds the lease, the
// other waits to take over) submit and grade them. Fails unless every
// attempt is graded exactly once (one submit operation, one
// assessment.submitted and one assessment.graded push each); reports the
// worst lag from a deadline to its submission.
func BenchmarkAssessDeadlines(b *testing.B) {
	for i := 0; i < b.N; i++ {
		e := domaintest.Start(b)
		svc := &assess.Service{DB: e.DB, Relay: e.Relay}
		a, _ := seedAttempts(b, e, svc, *benchDeadlines, time.Second, *benchWindow)
		ctx, cancel := context.WithCancel(context.Background())
		for _, holder := range []string{"bench-1", "bench-2"} {
			sw := &assess.Sweeper{Service: &assess.Service{DB: e.DB, Relay: e.Relay}, Holder: holder, Interval: time.Second}
			go func() { _ = sw.Run(ctx) }()
		}
		deadline := time.Now().Add(*benchWindow + 2*time.Minute)
		for {
			var left int
			if err := e.DB.Get(&left, `SELECT COUNT(*) FROM assessment_attempts WHERE assessment_id = ? AND status <> 'graded'`, a.ID); err != nil {
				b.Fatal(err)
			}
			if left == 0 {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%d attempts not graded in time", left)
			}
			time.Sleep(200 * time.Millisecond)
		}
		cancel()
		var lagMS float64
		if err := e.DB.Get(&lagMS, `SELECT MAX(TIMESTAMPDIFF(MICROSECOND, deadline, submitted_at)) / 1000 FROM assessment_attempts WHERE assessment_id = ?`, a.ID); err != nil {
			b.Fatal(err)
		}
		var ops, pushes int
		if err := e.DB.Get(&ops, `SELECT COUNT(*) FROM operations WHERE type = 'assessment.submit'`); err != nil {
			b.Fatal(err)
		}
		if err := e.DB.Get(&pushes, `SELECT COUNT(*) FROM outbox WHERE subject LIKE 'evt.u.%.assessment.%'`); err != nil {
			b.Fatal(err)
		}
		// Pushes are published at commit (or wait in the outbox).
		st, err := e.JS.Stream(context.Background(), events.StreamEvents)
		if err != nil {
			b.Fatal(err)
		}
		info, err := st.Info(context.Background(), jetstream.WithSubjectFilter("evt.u.*.assessment.>"))
		if err != nil {
			b.Fatal(err)
		}
		for _, n := range info.State.Subjects {
			pushes += int(n)
		}
		if ops != *benchDeadlines || pushes != 2**benchDeadlines {
			b.Fatalf("%d submit operations and %d pushes for %d attempts (want one and two each)", ops, pushes, *benchDeadlines)
		}
		b.ReportMetric(lagMS, "max_lag_ms")
		b.ReportMetric(float64(ops), "graded")
	}
}
