package edge

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/hirebus/hirebus/domain/interview"
)

// aiPeer is how the AI interviewer appears in a room.
var aiPeer = PeerInfo{PeerID: "ai", UserID: 0, Name: interview.AIName, Role: "ai"}

// aiRoom drives the AI interviewer of one room on the edge of the
// candidate's connection: a question when the candidate arrives, the next
// one after each answer (domain/interview.AITurn decides whose turn it is
// from the stored transcript, so a reconnect never repeats a question).
type aiRoom struct {
	s  *Server
	iv interview.Interview
	mu sync.Mutex
}

func newAIRoom(s *Server, iv interview.Interview) *aiRoom { return &aiRoom{s: s, iv: iv} }

func (a *aiRoom) start(ctx context.Context, roomID string)    { a.turn(ctx, roomID) }
func (a *aiRoom) answered(ctx context.Context, roomID string) { a.turn(ctx, roomID) }

func (a *aiRoom) turn(ctx context.Context, roomID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	m, err := a.s.iv.AITurn(ctx, a.iv, a.s.asker)
	if err != nil {
		a.s.log.WarnContext(ctx, "ai interviewer failed", "room", roomID, "err", err)
		return
	}
	if m == nil {
		return
	}
	b, _ := json.Marshal(m)
	a.s.rooms.publish(roomID, roomWire{Type: "chat", From: aiPeer, Data: b})
}
