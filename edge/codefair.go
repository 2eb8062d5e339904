package edge

import (
	"context"
	"fmt"
	"time"

	"github.com/hirebus/hirebus/domain/users"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/ops"
	"github.com/jmoiron/sqlx"
)

// codeJobsStale is the age after which a pending code operation no longer
// counts toward its user's limit (it is stuck, not waiting).
const codeJobsStale = 15 * time.Minute

// userCodeJobs is the accept-transaction hook that bounds one user's
// waiting and running code jobs (CodeConfig.MaxPerUser): the user's row is
// locked first, so parallel requests of one user are counted one by one.
// With the code worker's fair gate this keeps one user from filling the
// queue in front of everybody else (issue 7).
func (s *Server) userCodeJobs(ctx context.Context, userID uint64) func(tx *sqlx.Tx) error {
	return func(tx *sqlx.Tx) error {
		limit := s.codeConfig().MaxPerUser
		if err := users.Lock(ctx, tx, userID); err != nil {
			return fmt.Errorf("edge: lock user: %w", err)
		}
		n, err := ops.CountPending(ctx, tx, userID, codeJobsStale, events.OpCodeExecute, events.OpCodeSubmit)
		if err != nil {
			return err
		}
		if n >= limit {
			return Errorf(429, "too_many_jobs", "you already have %d code jobs waiting or running; wait for one to finish", n)
		}
		return nil
	}
}
