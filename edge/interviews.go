package edge

// The interview routes: scheduling, the calendar, notes and scorecards, and
// join, which hands a participant a short-lived token for one room
// (room.go serves the room itself on /interview/:roomId). Handlers bind and
// call domain/interview, which owns the SQL and the access decisions.

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/interview"
)

// ICEServer is one STUN/TURN server handed to browsers (RTCIceServer).
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// ParseICEServers reads HIREBUS_ICE_SERVERS: either a JSON array of
// RTCIceServer objects ([{"urls":["turn:turn.example.com:3478"],"username":"u","credential":"p"}])
// or a comma list of stun:/turn: URLs without credentials. Empty means none
// (host candidates: one machine or a LAN).
func ParseICEServers(v string) ([]ICEServer, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	var out []ICEServer
	if strings.HasPrefix(v, "[") {
		dec := json.NewDecoder(strings.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&out); err != nil {
			return nil, fmt.Errorf("not a JSON array of {urls, username, credential}: %w", err)
		}
	} else {
		for _, u := range strings.Split(v, ",") {
			if u = strings.TrimSpace(u); u != "" {
				out = append(out, ICEServer{URLs: []string{u}})
			}
		}
	}
	for _, s := range out {
		if len(s.URLs) == 0 {
			return nil, errors.New("an ICE server without urls")
		}
		for _, u := range s.URLs {
			scheme, rest, ok := strings.Cut(u, ":")
			if !ok || rest == "" || (scheme != "stun" && scheme != "stuns" && scheme != "turn" && scheme != "turns") {
				return nil, fmt.Errorf("%q is not a stun:, stuns:, turn: or turns: URL", u)
			}
			if (scheme == "turn" || scheme == "turns") && (s.Username == "" || s.Credential == "") {
				return nil, fmt.Errorf("TURN server %q needs a username and credential (use the JSON form)", u)
			}
		}
	}
	return out, nil
}

// roomAudience is the audience of room tokens: a session token is not a
// room token and a room token is not a session token.
const roomAudience = "hirebus.room"

type roomClaims struct {
	Room        string `json:"room"`
	InterviewID uint64 `json:"iid"`
	Role        string `json:"prole"`
	Name        string `json:"name"`
	jwt.RegisteredClaims
}

var roomParser = jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(issuer), jwt.WithAudience(roomAudience),
	jwt.WithExpirationRequired(), jwt.WithLeeway(2*time.Second))

func (s *Server) issueRoomToken(r interview.Room, exp time.Time) (string, error) {
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, roomClaims{
		Room: r.Interview.RoomID, InterviewID: r.Interview.ID, Role: r.Me.Role, Name: r.Me.Name,
		RegisteredClaims: jwt.RegisteredClaims{Issuer: issuer, Audience: jwt.ClaimStrings{roomAudience},
			Subject: strconv.FormatUint(r.Me.UserID, 10), IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp)},
	})
	signed, err := tok.SignedString(s.cfg.JWTKey)
	if err != nil {
		return "", fmt.Errorf("edge: sign room token: %w", err)
	}
	return signed, nil
}

// parseRoomToken checks a room token's signature, audience, expiry and room.
func (s *Server) parseRoomToken(raw, roomID string) (roomClaims, error) {
	var cl roomClaims
	if _, err := roomParser.ParseWithClaims(raw, &cl, func(*jwt.Token) (any, error) { return s.cfg.JWTKey, nil }); err != nil {
		return cl, Errorf(401, "unauthorized", "invalid or expired room token")
	}
	if cl.Room != roomID {
		return cl, Errorf(403, "wrong_room", "this room token is for another room")
	}
	return cl, nil
}

func (s *Server) interviewRoutes(app *fiber.App, api fiber.Router) {
	s.iv = &interview.Service{DB: s.deps.DB, Relay: s.deps.Relay}
	s.rooms = newRooms(s)
	s.asker = interview.QuestionBank{}
	if s.cfg.LLM.BaseURL != "" && s.cfg.LLM.Model != "" {
		s.asker = interview.NewLLM(s.cfg.LLM)
	}
	auth := s.requireAuth
	api.Post("/interviews", auth, s.handleScheduleInterview)
	api.Get("/interviews", auth, s.handleMyInterviews)
	api.Get("/interviews/:id", auth, byID(s.iv.Get))
	api.Put("/interviews/:id", auth, bodyByID[interview.RescheduleInput](200, s.iv.Reschedule))
	api.Post("/interviews/:id/cancel", auth, s.handleCancelInterview)
	api.Post("/interviews/:id/join", auth, s.handleJoinInterview)
	api.Get("/interviews/:id/messages", auth, listByID(s.iv.Messages))
	api.Get("/interviews/:id/feedback", auth, listByID(s.iv.Feedback))
	api.Put("/interviews/:id/feedback", auth, bodyByID[interview.FeedbackInput](200, s.iv.SaveFeedback))
	api.Get("/applications/:id/interviews", auth, s.handleApplicationInterviews)
	app.Get("/interview/:roomId", s.roomUpgrade, s.roomHandler())
}

// roomActor is the domain actor of a room participant.
func roomActor(userID uint64) company.Actor { return company.Actor{UserID: userID} }

func (s *Server) handleScheduleInterview(c *fiber.Ctx) error {
	var in interview.ScheduleInput
	if err := bindStrict(c, &in); err != nil {
		return err
	}
	iv, err := s.iv.Schedule(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderLocation, "/api/interviews/"+strconv.FormatUint(iv.ID, 10))
	return c.Status(201).JSON(iv)
}

func (s *Server) handleMyInterviews(c *fiber.Ctx) error {
	from, to, err := s.iv.ParseRange(c.Query("from"), c.Query("to"))
	if err != nil {
		return err
	}
	list, err := s.iv.Mine(c.UserContext(), actor(c), from, to)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": list, "from": from, "to": to})
}

func (s *Server) handleCancelInterview(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	iv, err := s.iv.Cancel(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	// Whoever is in the room, on any edge, is told and disconnected.
	s.rooms.publish(iv.RoomID, roomWire{Type: "closed", Data: json.RawMessage(`{"reason":"cancelled"}`)})
	return c.JSON(iv)
}

// handleJoinInterview answers {room_id, room_token, ice_servers} to a
// participant while the room is open.
func (s *Server) handleJoinInterview(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.iv.Join(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	exp := time.Now().Add(s.cfg.RoomTokenTTL)
	if _, closes := interview.Window(r.Interview); closes.Before(exp) {
		exp = closes
	}
	tok, err := s.issueRoomToken(r, exp)
	if err != nil {
		return err
	}
	ice := s.cfg.ICEServers
	if ice == nil {
		ice = []ICEServer{}
	}
	return c.JSON(fiber.Map{"room_id": r.Interview.RoomID, "room_token": tok, "ice_servers": ice, "expires_at": exp.UTC().Format(time.RFC3339),
		"interview_id": r.Interview.ID, "kind": r.Interview.Kind, "me": r.Me})
}

func (s *Server) handleApplicationInterviews(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := s.hire.jobs.GetApplication(c.UserContext(), actor(c), id); err != nil {
		return err
	}
	list, err := s.iv.ForApplication(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": list})
}
