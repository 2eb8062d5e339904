package ops_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/domaintest"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

func TestIdempotencyKeys(t *testing.T) {
	e := domaintest.Start(t)
	ctx := context.Background()
	ttl := time.Hour
	h := func(s string) []byte { return bytes.Repeat([]byte(s), 16) } // the column holds a 32-byte hash
	record := func(key, opID string, hash []byte) error {
		return store.InTx(ctx, e.DB, func(tx *sqlx.Tx) error {
			return ops.RecordKey(ctx, tx, "send-otp:0", key, hash, opID, ttl)
		})
	}
	if _, _, found, err := ops.LookupKey(ctx, e.DB, "send-otp:0", "k1", ttl); err != nil || found {
		t.Fatalf("unknown key: found=%v err=%v", found, err)
	}
	if err := record("k1", "op-1", h("h1")); err != nil {
		t.Fatal(err)
	}
	hash, opID, found, err := ops.LookupKey(ctx, e.DB, "send-otp:0", "k1", ttl)
	if err != nil || !found || opID != "op-1" || !bytes.Equal(hash, h("h1")) {
		t.Fatalf("LookupKey = %q %q %v %v", hash, opID, found, err)
	}
	if _, _, found, _ := ops.LookupKey(ctx, e.DB, "register:0", "k1", ttl); found {
		t.Fatal("a key is scoped by route and caller")
	}
	if err := record("k1", "op-2", h("h2")); !errors.Is(err, ops.ErrKeyInUse) {
		t.Fatalf("live key recorded again: %v", err)
	}
	// Past its TTL a key is forgotten and may be reused in place.
	if _, err := e.DB.Exec(`UPDATE idempotency_keys SET created_at = NOW(3) - INTERVAL 2 HOUR`); err != nil {
		t.Fatal(err)
	}
	if _, _, found, _ := ops.LookupKey(ctx, e.DB, "send-otp:0", "k1", ttl); found {
		t.Fatal("an expired key was found")
	}
	if err := record("k1", "op-3", h("h3")); err != nil {
		t.Fatalf("expired key not reusable: %v", err)
	}
	if _, opID, _, _ := ops.LookupKey(ctx, e.DB, "send-otp:0", "k1", ttl); opID != "op-3" {
		t.Fatalf("reused key names %q", opID)
	}
	if _, err := e.DB.Exec(`UPDATE idempotency_keys SET created_at = NOW(3) - INTERVAL 2 HOUR`); err != nil {
		t.Fatal(err)
	}
	if n, err := ops.CleanupKeys(ctx, e.DB, ttl); err != nil || n != 1 {
		t.Fatalf("CleanupKeys = %d, %v", n, err)
	}
}
