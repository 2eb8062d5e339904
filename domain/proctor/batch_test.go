package proctor_test

import (
	"context"
	"testing"

	"github.com/hirebus/hirebus/events"
)

// TestBatchPartialOverlap: a batch that repeats a logged seq and one of its
// own is written with one multi-row insert of the new signals only; the
// update's ids, the evidence's log id and the stored severity match the
// rows.
func TestBatchPartialOverlap(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	if _, err := w.svc.ApplySignals(ctx, w.signals(w.attempt, sig(1, events.SigCopy, events.ProctorData{Length: 3}),
		sig(2, events.SigWindowBlur, events.ProctorData{}))); err != nil {
		t.Fatal(err)
	}
	res, err := w.svc.ApplySignals(ctx, w.signals(w.attempt,
		sig(2, events.SigWindowBlur, events.ProctorData{}),
		sig(3, events.SigWindowBlur, events.ProctorData{}),
		sig(3, events.SigWindowBlur, events.ProctorData{}),
		sig(4, events.SigPaste, events.ProctorData{Length: 500, Target: "code"})))
	if err != nil {
		t.Fatal(err)
	}
	if res.Duplicates != 2 || len(res.Update.Events) != 2 || len(res.Update.Violations) != 1 {
		t.Fatalf("result %+v", res)
	}
	for _, e := range res.Update.Events {
		var id uint64
		if err := w.e.DB.Get(&id, `SELECT id FROM proctor_logs WHERE attempt_id = ? AND seq = ?`, w.attempt, *e.Seq); err != nil || id != e.ID {
			t.Fatalf("seq %d: update id %d, stored id %d (%v)", *e.Seq, e.ID, id, err)
		}
	}
	paste := res.Update.Events[1]
	if *paste.Seq != 4 || paste.Severity != "medium" || res.Update.Violations[0].Evidence.LogID != paste.ID {
		t.Fatalf("paste %+v violation %+v", paste, res.Update.Violations[0])
	}
	var sev string
	if err := w.e.DB.Get(&sev, `SELECT severity FROM proctor_logs WHERE id = ?`, paste.ID); err != nil || sev != "medium" {
		t.Fatalf("stored severity %q %v", sev, err)
	}
	if n := w.e.Count(t, `SELECT COUNT(*) FROM proctor_logs WHERE attempt_id = ?`, w.attempt); n != 4 {
		t.Fatalf("%d logs", n)
	}
}
