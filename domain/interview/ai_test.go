package interview_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/interview"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/testutil"
)

// TestAIInterviewQuestionBank: the AI asks when the candidate arrives, waits
// for each answer, asks AIQuestions distinct questions from the job's
// skills, closes once, and the transcript keeps it all.
func TestAIInterviewQuestionBank(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	iv, err := w.svc.Schedule(ctx, w.rec, interview.ScheduleInput{ApplicationID: w.app.ID, StartsAt: time.Now().Add(time.Minute).Format(time.RFC3339),
		DurationMinutes: 30, Kind: "ai"})
	if err != nil {
		t.Fatal(err)
	}
	full, err := w.svc.Get(ctx, w.cand, iv.ID)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i := 0; i < interview.AIQuestions; i++ {
		q, err := w.svc.AITurn(ctx, full, interview.QuestionBank{})
		if err != nil || q == nil || q.Kind != "question" || seen[q.Body] {
			t.Fatalf("question %d: %+v %v", i, q, err)
		}
		seen[q.Body] = true
		if i == 0 && (!strings.Contains(q.Body, "Go engineer") || !strings.Contains(q.Body, "Go")) {
			t.Fatalf("first question is not about the job: %s", q.Body)
		}
		if again, _ := w.svc.AITurn(ctx, full, interview.QuestionBank{}); again != nil {
			t.Fatalf("asked again before an answer: %s", again.Body)
		}
		if _, err := w.svc.AddMessage(ctx, iv.ID, w.cand.UserID, "cand", interview.MsgAnswer, "my answer"); err != nil {
			t.Fatal(err)
		}
	}
	closing, err := w.svc.AITurn(ctx, full, interview.QuestionBank{})
	if err != nil || closing == nil || closing.Body != interview.AIClosing {
		t.Fatalf("closing: %+v %v", closing, err)
	}
	// The closing asks the score worker to review the answers, once.
	testutil.Eventually(t, 10*time.Second, func() bool { return w.e.Commands(t, events.CmdScoreInterview) == 1 }, "no cmd.score.interview after the closing")
	if _, _ = w.svc.AddMessage(ctx, iv.ID, w.cand.UserID, "cand", interview.MsgAnswer, "bye"); true {
		if after, _ := w.svc.AITurn(ctx, full, interview.QuestionBank{}); after != nil {
			t.Fatalf("spoke after closing: %s", after.Body)
		}
	}
	tr, err := w.svc.Messages(ctx, w.viewer, iv.ID)
	if err != nil || len(tr) != 2*interview.AIQuestions+2 || tr[0].Name != interview.AIName || tr[0].UserID != 0 {
		t.Fatalf("transcript: %d %v", len(tr), err)
	}
}

// TestAIInterviewLLM uses an in-process OpenAI-compatible stand-in: the
// model gets the job and the transcript and its question is asked; when it
// fails, the question bank takes over.
func TestAIInterviewLLM(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	var mu sync.Mutex
	var bodies []map[string]any
	fail := false
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer test-key" {
			http.Error(rw, "bad request", 400)
			return
		}
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		mu.Lock()
		bodies = append(bodies, body)
		f := fail
		mu.Unlock()
		if f {
			http.Error(rw, `{"error":{"message":"overloaded"}}`, 500)
			return
		}
		rw.Header().Set("Content-Type", "application/json")
		_, _ = rw.Write([]byte(`{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"How do Go interfaces help testing?"},"finish_reason":"stop"}]}`))
	}))
	defer srv.Close()
	llm := interview.NewLLM(interview.LLMConfig{BaseURL: srv.URL + "/v1", APIKey: "test-key", Model: "m"})
	iv, err := w.svc.Schedule(ctx, w.rec, interview.ScheduleInput{ApplicationID: w.app.ID, StartsAt: time.Now().Add(time.Minute).Format(time.RFC3339),
		DurationMinutes: 30, Kind: "ai"})
	if err != nil {
		t.Fatal(err)
	}
	full, _ := w.svc.Get(ctx, w.cand, iv.ID)
	q, err := w.svc.AITurn(ctx, full, llm)
	if err != nil || q == nil || q.Body != "How do Go interfaces help testing?" {
		t.Fatalf("llm question: %+v %v", q, err)
	}
	if _, err := w.svc.AddMessage(ctx, iv.ID, w.cand.UserID, "cand", interview.MsgAnswer, "They let me swap fakes in."); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	fail = true
	mu.Unlock()
	q2, err := w.svc.AITurn(ctx, full, llm)
	if err != nil || q2 == nil || q2.Kind != "question" || q2.Body == q.Body {
		t.Fatalf("fallback question: %+v %v", q2, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 2 || bodies[0]["model"] != "m" {
		t.Fatalf("requests: %v", bodies)
	}
	msgs, _ := json.Marshal(bodies[1]["messages"])
	if !strings.Contains(string(msgs), "Go engineer") || !strings.Contains(string(msgs), "swap fakes") {
		t.Fatalf("the model did not get the job and the transcript: %s", msgs)
	}
}
