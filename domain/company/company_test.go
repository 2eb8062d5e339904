package company_test

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/domaintest"
	"github.com/hirebus/hirebus/events"
)

func TestAuthorizeMatrix(t *testing.T) {
	e := domaintest.Start(t)
	ctx := context.Background()
	svc := &company.Service{DB: e.DB, Relay: e.Relay}
	owner := e.User(t, "owner", "recruiter")
	rec := e.User(t, "rec", "recruiter")
	viewer := e.User(t, "viewer", "recruiter")
	outsider := e.User(t, "outsider", "recruiter")
	cand := e.User(t, "cand", "candidate")
	c, err := svc.Create(ctx, owner, "Acme", "https://acme.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		a    company.Actor
		role string
	}{{rec, "recruiter"}, {viewer, "viewer"}} {
		if _, err := e.DB.Exec(`INSERT INTO company_members (company_id, user_id, member_role) VALUES (?, ?, ?)`, c.ID, m.a.UserID, m.role); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name string
		a    company.Actor
		perm company.Perm
		want error
	}{
		{"owner manage", owner, company.PermManage, nil},
		{"recruiter write", rec, company.PermWrite, nil},
		{"recruiter manage", rec, company.PermManage, company.ErrForbidden},
		{"viewer read", viewer, company.PermRead, nil},
		{"viewer write", viewer, company.PermWrite, company.ErrForbidden},
		{"outsider read", outsider, company.PermRead, company.ErrNotFound},
		{"candidate read", cand, company.PermRead, company.ErrNotFound},
		{"anonymous", company.Actor{}, company.PermRead, company.ErrNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := company.Authorize(ctx, e.DB, tc.a, c.ID, tc.perm)
			if !errors.Is(err, tc.want) && !(err == nil && tc.want == nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := company.Authorize(ctx, e.DB, owner, c.ID+999, company.PermRead); !errors.Is(err, company.ErrNotFound) {
		t.Fatalf("unknown company: %v", err)
	}
	if _, err := svc.Create(ctx, cand, "CandCo", ""); !errors.Is(err, company.ErrForbidden) {
		t.Fatalf("candidate creates company: %v", err)
	}
	if _, err := svc.Create(ctx, rec, "Acme", ""); !errors.Is(err, company.ErrDuplicate) {
		t.Fatalf("duplicate name: %v", err)
	}
}

func TestInviteJoinAndRoles(t *testing.T) {
	e := domaintest.Start(t)
	ctx := context.Background()
	svc := &company.Service{DB: e.DB, Relay: e.Relay, JoinURL: func(tok string) string { return "http://x/join#" + tok }}
	owner := e.User(t, "owner", "recruiter")
	bob := e.User(t, "bob", "recruiter")
	eve := e.User(t, "eve", "recruiter")
	c, err := svc.Create(ctx, owner, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	pushes := e.Subscribe(t, events.UserSubject(bob.UserID, events.EvtNotification))

	for _, tc := range []struct {
		name, email, role string
		actor             company.Actor
		want              error
	}{
		{"bad role", "bob@example.com", "boss", owner, company.ErrInvalid},
		{"bad email", "bob", "recruiter", owner, company.ErrInvalid},
		{"not owner", "bob@example.com", "recruiter", eve, company.ErrNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := svc.Invite(ctx, tc.actor, c.ID, tc.email, tc.role); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	inv, err := svc.Invite(ctx, owner, c.ID, "Bob@Example.com", "recruiter")
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(inv.ExpiresAt); d < 6*24*time.Hour || d > 7*24*time.Hour+time.Minute {
		t.Fatalf("expiry %v", inv.ExpiresAt)
	}
	// The mail command carries the token; only its hash is stored.
	if n := e.Commands(t, events.CmdMailNotify); n != 1 {
		t.Fatalf("mail commands: %d", n)
	}
	st, _ := e.JS.Stream(ctx, events.StreamCommands)
	msg, err := st.GetLastMsgForSubject(ctx, events.CmdMailNotify)
	if err != nil {
		t.Fatal(err)
	}
	tok := regexp.MustCompile(`"token":"([A-Za-z0-9_-]+)"`).FindStringSubmatch(string(msg.Data))
	if tok == nil {
		t.Fatalf("no token in mail command %s", msg.Data)
	}
	if n := e.Count(t, `SELECT COUNT(*) FROM company_invitations WHERE token_hash = ?`, tok[1]); n != 0 {
		t.Fatal("token stored in clear")
	}
	if got := pushes(2 * time.Second); len(got) != 1 {
		t.Fatalf("invitee notification events: %d", len(got))
	}
	if n := e.Count(t, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = 'company.invitation'`, bob.UserID); n != 1 {
		t.Fatalf("invitee notification rows: %d", n)
	}

	if _, err := svc.Join(ctx, eve, tok[1]); !errors.Is(err, company.ErrInviteEmail) {
		t.Fatalf("join by another address: %v", err)
	}
	if _, err := svc.Join(ctx, bob, "nope"); !errors.Is(err, company.ErrInviteInvalid) {
		t.Fatalf("join with bad token: %v", err)
	}
	joined, err := svc.Join(ctx, bob, tok[1])
	if err != nil || joined.MyRole != "recruiter" {
		t.Fatalf("join: %+v %v", joined, err)
	}
	if _, err := svc.Join(ctx, bob, tok[1]); !errors.Is(err, company.ErrInviteInvalid) {
		t.Fatalf("token reused: %v", err)
	}
	// Expired tokens are refused.
	inv2, err := svc.Invite(ctx, owner, c.ID, "eve@example.com", "viewer")
	if err != nil {
		t.Fatal(err)
	}
	msg, _ = st.GetLastMsgForSubject(ctx, events.CmdMailNotify)
	tok2 := regexp.MustCompile(`"token":"([A-Za-z0-9_-]+)"`).FindStringSubmatch(string(msg.Data))
	if _, err := e.DB.Exec(`UPDATE company_invitations SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ?`, inv2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Join(ctx, eve, tok2[1]); !errors.Is(err, company.ErrInviteInvalid) {
		t.Fatalf("expired token: %v", err)
	}

	// Roles: the last owner can neither be demoted nor leave.
	if _, err := svc.SetRole(ctx, owner, c.ID, owner.UserID, "viewer"); !errors.Is(err, company.ErrLastOwner) {
		t.Fatalf("demote last owner: %v", err)
	}
	if err := svc.RemoveMember(ctx, owner, c.ID, owner.UserID); !errors.Is(err, company.ErrLastOwner) {
		t.Fatalf("last owner leaves: %v", err)
	}
	if _, err := svc.SetRole(ctx, bob, c.ID, owner.UserID, "viewer"); !errors.Is(err, company.ErrForbidden) {
		t.Fatalf("recruiter changes roles: %v", err)
	}
	if _, err := svc.SetRole(ctx, owner, c.ID, bob.UserID, "owner"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetRole(ctx, bob, c.ID, owner.UserID, "viewer"); err != nil {
		t.Fatalf("second owner demotes the first: %v", err)
	}
	if err := svc.RemoveMember(ctx, owner, c.ID, owner.UserID); err != nil {
		t.Fatalf("viewer leaves: %v", err)
	}
	members, err := svc.Members(ctx, bob, c.ID)
	if err != nil || len(members) != 1 || members[0].Role != "owner" {
		t.Fatalf("members: %+v %v", members, err)
	}
	rows, err := svc.Audit(ctx, bob, c.ID, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, r := range rows {
		actions = append(actions, r.Action)
	}
	want := []string{"member.remove", "member.role", "member.role", "company.invite", "company.join", "company.invite", "company.create"}
	if len(actions) != len(want) {
		t.Fatalf("audit actions %v, want %v", actions, want)
	}
	for i := range want {
		if actions[i] != want[i] {
			t.Fatalf("audit actions %v, want %v", actions, want)
		}
	}
	if rows[0].RequestID != "req-owner" || rows[0].IP != "192.0.2.1" {
		t.Fatalf("audit row context: %+v", rows[0])
	}
}

func TestRequiresFaceLogin(t *testing.T) {
	e := domaintest.Start(t)
	ctx := context.Background()
	svc := &company.Service{DB: e.DB, Relay: e.Relay}
	owner := e.User(t, "olga", "recruiter")
	outsider := e.User(t, "carl", "candidate")
	c, err := svc.Create(ctx, owner, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		require bool
		user    uint64
		want    bool
	}{
		{"policy off", false, owner.UserID, false},
		{"policy on, member", true, owner.UserID, true},
		{"policy on, not a member", true, outsider.UserID, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.DB.Exec(`UPDATE companies SET require_face_login = ? WHERE id = ?`, tc.require, c.ID); err != nil {
				t.Fatal(err)
			}
			got, err := company.RequiresFaceLogin(ctx, e.DB, tc.user)
			if err != nil || got != tc.want {
				t.Fatalf("RequiresFaceLogin = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
