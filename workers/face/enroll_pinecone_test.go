package face

import (
	"context"
	"strings"
	"testing"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/face/index"
	"github.com/hirebus/hirebus/face/index/pinecone"
	"github.com/hirebus/hirebus/face/index/pineconetest"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/store"
	"github.com/hirebus/hirebus/workers/face/facetest"
	"github.com/jmoiron/sqlx"
)

// TestEnrollRemovedAccountLeavesNoVectors: with an index outside MySQL
// (Pinecone), an enrolment whose account is gone by the time it commits —
// a registration that gave up and removed it — takes its vectors back, so
// they cannot vote as a duplicate against the person's next try.
func TestEnrollRemovedAccountLeavesNoVectors(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the face models")
	}
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true})
	pipe, err := face.Load(testutil.ModelsDir(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := pineconetest.Start(t, "k", index.Dim)
	ns := testutil.RandomName("ns")
	pc, err := pinecone.New(pinecone.Config{APIKey: "k", IndexHost: srv.Host(), Namespace: ns, Model: pipe.ModelID()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	w, err := New(Config{}, Deps{DB: p.DB, JS: p.JS, Relay: p.Relay, Log: p.Log, Embedder: pipe, Index: pc})
	if err != nil {
		t.Fatal(err)
	}
	const gone = 987654321 // no such account
	f := facetest.Faces(t)[21]
	var images []string
	for _, v := range facetest.Shots[:3] {
		images = append(images, facetest.Base64(t, f, v))
	}
	opID := events.NewID()
	env, err := events.NewEnvelope(events.OpFaceEnroll, opID, gone, events.FaceEnroll{UserID: gone, Images: images, Source: "register"})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.InTx(context.Background(), p.DB, func(tx *sqlx.Tx) error {
		return ops.Create(context.Background(), tx, opID, events.OpFaceEnroll, 0)
	}); err != nil {
		t.Fatal(err)
	}
	if err := w.Handle(context.Background(), env, events.Meta{Subject: events.CmdFaceEnroll, Delivered: 1}); err != nil {
		t.Fatal(err)
	}
	op, err := ops.Get(context.Background(), p.DB, opID)
	if err != nil {
		t.Fatal(err)
	}
	if op.Status != ops.StatusFailed || !strings.Contains(string(op.Error), "no_such_user") {
		t.Fatalf("op %s %s %s", op.Status, op.Result, op.Error)
	}
	if srv.Calls("Upsert") == 0 {
		t.Fatal("the vectors were never written: the test does not cover the window")
	}
	if n := srv.Count(ns); n != 0 {
		t.Fatalf("%d vectors left in Pinecone", n)
	}
}
