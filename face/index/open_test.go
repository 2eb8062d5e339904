package index_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/hirebus/hirebus/face/index"
	"github.com/hirebus/hirebus/face/index/indextest"
)

// Searches run while enrolments, resets and deletions change the same
// replica (run with -race). Every search must see a consistent state:
// no error and users in distance order.
func TestEmbeddedConcurrentSearchAndWrites(t *testing.T) {
	ctx := context.Background()
	db := migratedDB(t)
	e := newEmbedded(t, db)
	rng := rand.New(rand.NewPCG(8, 8))
	var users []uint64
	for range 20 {
		u := createUser(t, db)
		users = append(users, u)
		if _, err := e.ReplaceUser(ctx, u, "", entries(indextest.Synth(rng, 3))); err != nil {
			t.Fatal(err)
		}
	}
	probes := indextest.Synth(rng, 32)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				ms, err := e.Search(ctx, probes[i%len(probes)], 5)
				if err != nil {
					errs <- err
					return
				}
				for j := 1; j < len(ms); j++ {
					if ms[j].Distance < ms[j-1].Distance || ms[j].UserID == ms[j-1].UserID {
						errs <- errors.New("search returned unsorted or repeated users")
						return
					}
				}
			}
		}()
	}
	wrng := rand.New(rand.NewPCG(9, 9))
	for i := range 40 {
		u := users[i%len(users)]
		var err error
		if i%5 == 4 {
			err = e.DeleteUser(ctx, u)
		} else {
			_, err = e.ReplaceUser(ctx, u, "", entries(indextest.Synth(wrng, 3)))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Memory and MySQL agree after the storm.
	fresh := newEmbedded(t, db)
	n1, _ := e.Len(ctx)
	n2, _ := fresh.Len(ctx)
	if n1 != n2 {
		t.Fatalf("replica holds %d descriptors, database %d", n1, n2)
	}
}

func entries(vs [][]float32) []index.Entry {
	es := make([]index.Entry, len(vs))
	for i, v := range vs {
		es[i] = index.Entry{Vector: v}
	}
	return es
}
