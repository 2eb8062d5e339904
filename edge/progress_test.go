package edge_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/platformtest"
)

// TestProgressFilteredAtEdge publishes what a redelivery and a relay retry
// across a failover can put on the bus for one operation: a code.test twice
// (same sequence, new message id) and a code.test after the op.completed.
// A live WebSocket client and one that replays from the stream both see
// the test once and nothing after the terminal event.
func TestProgressFilteredAtEdge(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{})
	u := p.Register("progress", "candidate")
	live := platformtest.DialWS(t, p.URL, u.Token, -1)

	opID, other := events.NewID(), events.NewID()
	pub := events.NewPublisher(p.JS)
	send := func(typ string, corr string, payload any) {
		t.Helper()
		env, err := events.NewEnvelope(typ, corr, u.ID, payload)
		if err != nil {
			t.Fatal(err)
		}
		if err := pub.Publish(context.Background(), events.UserSubject(u.ID, typ), env); err != nil {
			t.Fatal(err)
		}
	}
	send(events.EvtCodeTest, opID, events.CodeTest{SubmissionID: 1, Index: 0, Verdict: "AC", Done: 1, Total: 2, Seq: 11})
	send(events.EvtCodeTest, opID, events.CodeTest{SubmissionID: 1, Index: 0, Verdict: "AC", Done: 1, Total: 2, Seq: 11})
	send(events.EvtOpCompleted, opID, events.OpCompleted{OpID: opID, OpType: events.OpCodeSubmit, Status: "done"})
	send(events.EvtCodeTest, opID, events.CodeTest{SubmissionID: 1, Index: 1, Verdict: "AC", Done: 2, Total: 2, Seq: 12})
	send(events.EvtOpCompleted, opID, events.OpCompleted{OpID: opID, OpType: events.OpCodeSubmit, Status: "done"})
	send(events.EvtOpCompleted, other, events.OpCompleted{OpID: other, OpType: "marker", Status: "done"})

	check := func(name string, ws *platformtest.WS) {
		t.Helper()
		var got []string
		for {
			m := ws.Next(10 * time.Second)
			if m.OpID == other {
				break
			}
			if m.OpID != opID {
				continue
			}
			var ct events.CodeTest
			_ = json.Unmarshal(m.Data, &ct)
			got = append(got, m.Type+":"+string(rune('0'+ct.Seq%10)))
		}
		want := []string{events.EvtCodeTest + ":1", events.EvtOpCompleted + ":0"}
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
			t.Fatalf("%s client got %v, want %v", name, got, want)
		}
	}
	check("live", live)
	check("replaying", platformtest.DialWS(t, p.URL, u.Token, 0))
}
