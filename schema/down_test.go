package schema_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/schema"
	"github.com/pressly/goose/v3"
)

// TestMigrationsDownAndUp: a migration that replaces or adds tables rolls
// back to the shape before it and applies again. Each case names the
// version to go down to and a query counting what must be true after the
// rollback (want).
func TestMigrationsDownAndUp(t *testing.T) {
	cases := []struct {
		name  string
		to    int64
		check string
		want  int
	}{
		{"00006 hiring: its tables go", 5,
			`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN ('company_invitations', 'job_skills', 'application_history')`, 0},
		{"00013 score: its tables go", 12,
			`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 'score\_%'`, 0},
		{"00013 score: 00001's placeholder ai_detection_logs is back", 12,
			`SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'ai_detection_logs' AND column_name = 'user_id'`, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
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
			if _, err := p.DownTo(ctx, tc.to); err != nil {
				t.Fatalf("down to %d: %v", tc.to, err)
			}
			var n int
			if err := db.QueryRowContext(ctx, tc.check).Scan(&n); err != nil || n != tc.want {
				t.Fatalf("after down to %d: %d (want %d) %v", tc.to, n, tc.want, err)
			}
			if _, err := p.Up(ctx); err != nil {
				t.Fatalf("up again: %v", err)
			}
		})
	}
}
