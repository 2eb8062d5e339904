package score_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/schema"
	"github.com/pressly/goose/v3"
)

// TestScoreMigrationDownAndUp: 00013 rolls back to the 00012 shape (the
// placeholder ai_detection_logs of 00001 back) and applies again.
func TestScoreMigrationDownAndUp(t *testing.T) {
	db, err := sql.Open("mysql", testutil.MySQL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := schema.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectMySQL, db, schema.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 12); err != nil {
		t.Fatalf("down to 12: %v", err)
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 'score\_%'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("score tables left after down: %d %v", n, err)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'ai_detection_logs' AND column_name = 'user_id'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("placeholder not restored: %d %v", n, err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
}
