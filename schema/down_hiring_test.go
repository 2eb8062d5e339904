package schema_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/schema"
	"github.com/pressly/goose/v3"
)

// TestHiringMigrationDownAndUp: 00006 rolls back to the 00005 shape and
// applies again.
func TestHiringMigrationDownAndUp(t *testing.T) {
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
	if _, err := p.DownTo(ctx, 5); err != nil {
		t.Fatalf("down to 5: %v", err)
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN ('company_invitations', 'job_skills', 'application_history')`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("hiring tables left after down: %d %v", n, err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
}
