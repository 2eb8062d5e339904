package code

import (
	"context"
	"sync"
)

// fairGate hands the worker's sandbox slots to commands fairly across
// users (issue 7: 20 busy loops of one user delayed another user's
// print(1) by 55 s). Commands wait in one FIFO queue per user; a free slot
// goes to the next user in round-robin order who has a waiting command and
// fewer than perUser commands running. The consume loop pulls more commands
// than there are slots (Worker.Run), so another user's command is in hand
// while one user's backlog waits here; the edge bounds each user's backlog
// (CodeConfig.MaxPerUser).
type fairGate struct {
	mu        sync.Mutex
	slots     int
	perUser   int
	running   int
	runningBy map[uint64]int
	waiting   map[uint64][]chan struct{}
	ring      []uint64 // users with waiting commands, next turn first
}

func newFairGate(slots, perUser int) *fairGate {
	return &fairGate{slots: slots, perUser: perUser, runningBy: map[uint64]int{}, waiting: map[uint64][]chan struct{}{}}
}

// acquire waits for a slot for user uid; release must be called once the
// command's sandbox work is over.
func (g *fairGate) acquire(ctx context.Context, uid uint64) (release func(), err error) {
	ch := make(chan struct{})
	g.mu.Lock()
	if len(g.waiting[uid]) == 0 {
		g.ring = append(g.ring, uid)
	}
	g.waiting[uid] = append(g.waiting[uid], ch)
	g.dispatch()
	g.mu.Unlock()
	release = func() {
		g.mu.Lock()
		g.running--
		if g.runningBy[uid]--; g.runningBy[uid] <= 0 {
			delete(g.runningBy, uid)
		}
		g.dispatch()
		g.mu.Unlock()
	}
	select {
	case <-ch:
		return release, nil
	case <-ctx.Done():
		g.mu.Lock()
		defer g.mu.Unlock()
		select {
		case <-ch: // granted meanwhile: give the slot back
			g.mu.Unlock()
			release()
			g.mu.Lock()
		default:
			g.drop(uid, ch)
		}
		return nil, ctx.Err()
	}
}

// dispatch grants free slots; g.mu is held.
func (g *fairGate) dispatch() {
	for g.running < g.slots {
		granted := false
		for i, uid := range g.ring {
			if g.runningBy[uid] >= g.perUser {
				continue
			}
			q := g.waiting[uid]
			close(q[0])
			g.running++
			g.runningBy[uid]++
			g.ring = append(g.ring[:i:i], g.ring[i+1:]...)
			if len(q) > 1 {
				g.waiting[uid] = q[1:]
				g.ring = append(g.ring, uid) // back of the line
			} else {
				delete(g.waiting, uid)
			}
			granted = true
			break
		}
		if !granted {
			return
		}
	}
}

// drop removes a waiter that gave up; g.mu is held.
func (g *fairGate) drop(uid uint64, ch chan struct{}) {
	q := g.waiting[uid]
	for i, c := range q {
		if c == ch {
			q = append(q[:i:i], q[i+1:]...)
			break
		}
	}
	if len(q) > 0 {
		g.waiting[uid] = q
		return
	}
	delete(g.waiting, uid)
	for i, u := range g.ring {
		if u == uid {
			g.ring = append(g.ring[:i:i], g.ring[i+1:]...)
			break
		}
	}
}
