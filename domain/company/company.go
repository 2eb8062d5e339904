// Package company owns companies, company_members and company_invitations.
// It holds the one authorization function of the hiring domain, Authorize:
// principal + membership + role, default deny. Every other hiring package
// (jobs, applications, audit reads) asks it before touching a company's
// objects, and a company the caller does not belong to answers ErrNotFound so
// that its existence is not revealed.
package company

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hirebus/hirebus/domain/audit"
	"github.com/hirebus/hirebus/domain/notify"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// Sentinel errors; the edge maps them to HTTP once.
var (
	ErrNotFound      = events.NewError("company", events.CodeNotFound, "not found")
	ErrForbidden     = events.NewError("company", events.CodeForbidden, "your role does not allow this")
	ErrInvalid       = events.NewError("company", events.CodeInvalid, "invalid input")
	ErrDuplicate     = events.NewError("company", events.CodeCompanyExists, "a company with this name exists")
	ErrLastOwner     = events.NewError("company", events.CodeLastOwner, "the last owner cannot leave or be demoted")
	ErrAlreadyMember = events.NewError("company", events.CodeAlreadyMember, "you are already a member of this company")
	ErrInviteInvalid = events.NewError("company", events.CodeInvitationInvalid, "the invitation is unknown, used or expired")
	ErrInviteEmail   = events.NewError("company", events.CodeInvitationEmail, "the invitation was sent to another address")
)

// Member roles.
const (
	RoleOwner     = "owner"
	RoleRecruiter = "recruiter"
	RoleViewer    = "viewer"
)

// ValidRole reports whether r is a member role.
func ValidRole(r string) bool { return r == RoleOwner || r == RoleRecruiter || r == RoleViewer }

// Perm is what a caller wants to do with a company's objects.
type Perm int

// Permissions, each implying the ones before it.
const (
	PermRead   Perm = iota + 1 // see jobs incl. drafts, applications, members: every member
	PermWrite                  // create/update jobs, move applications: recruiter, owner
	PermManage                 // invite, change roles, remove members, read the audit log: owner
)

func (p Perm) allowedFor(role string) bool {
	switch role {
	case RoleOwner:
		return true
	case RoleRecruiter:
		return p <= PermWrite
	case RoleViewer:
		return p <= PermRead
	}
	return false
}

// Actor is the authenticated caller of a domain operation, with what the
// audit log keeps about the request.
type Actor struct {
	UserID    uint64
	Role      string // account role: candidate | recruiter | admin
	RequestID string
	IP        string
}

// Authorize is the hiring domain's one access decision: it returns the
// caller's member role in companyID when that role grants perm. A caller who
// is not a member gets ErrNotFound (the company's objects do not exist for
// them); a member whose role is too weak gets ErrForbidden. Anything else is
// denied.
func Authorize(ctx context.Context, q sqlx.QueryerContext, a Actor, companyID uint64, perm Perm) (string, error) {
	if a.UserID == 0 || companyID == 0 {
		return "", ErrNotFound
	}
	var role string
	err := sqlx.GetContext(ctx, q, &role, `SELECT member_role FROM company_members WHERE company_id = ? AND user_id = ?`, companyID, a.UserID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("company: authorize: %w", store.Translate(err))
	}
	if !perm.allowedFor(role) {
		return role, ErrForbidden
	}
	return role, nil
}

// Company is a company as its members see it.
type Company struct {
	ID        uint64    `json:"id" db:"id"`
	Name      string    `json:"name" db:"name"`
	Website   string    `json:"website" db:"website"`
	MyRole    string    `json:"my_role,omitempty" db:"my_role"`
	CreatedAt time.Time `json:"created_at" db:"created_at"`
}

// Member is one member of a company.
type Member struct {
	UserID    uint64    `json:"user_id" db:"user_id"`
	Username  string    `json:"username" db:"username"`
	Email     string    `json:"email" db:"email"`
	Role      string    `json:"role" db:"member_role"`
	CreatedAt time.Time `json:"created_at" db:"created_at"`
}

// Invitation is a pending invitation (never with its token).
type Invitation struct {
	ID        uint64    `json:"id" db:"id"`
	CompanyID uint64    `json:"company_id" db:"company_id"`
	Email     string    `json:"email" db:"email"`
	Role      string    `json:"role" db:"member_role"`
	ExpiresAt time.Time `json:"expires_at" db:"expires_at"`
}

// Service runs the company operations.
type Service struct {
	DB        *sqlx.DB
	Relay     *outbox.Relay
	InviteTTL time.Duration // default 7 days
	// JoinURL builds the link put in invitation mails from the token
	// (default: "/hiring.html#join=" + token).
	JoinURL func(token string) string
}

func (s *Service) inviteTTL() time.Duration {
	if s.InviteTTL > 0 {
		return s.InviteTTL
	}
	return 7 * 24 * time.Hour
}

// Create makes a company whose owner is the caller (a recruiter or admin).
func (s *Service) Create(ctx context.Context, a Actor, name, website string) (Company, error) {
	if a.Role != "recruiter" && a.Role != "admin" {
		return Company{}, ErrForbidden
	}
	name, website = strings.TrimSpace(name), strings.TrimSpace(website)
	if name == "" || len(name) > 128 || len(website) > 255 {
		return Company{}, ErrInvalid
	}
	var c Company
	err := s.Relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO companies (name, website) VALUES (?, ?)`, name, website)
		if err != nil {
			if err = store.Translate(err); errors.Is(err, store.ErrDuplicate) {
				return ErrDuplicate
			}
			return fmt.Errorf("company: create: %w", err)
		}
		id, _ := res.LastInsertId()
		if _, err := tx.ExecContext(ctx, `INSERT INTO company_members (company_id, user_id, member_role) VALUES (?, ?, 'owner')`, id, a.UserID); err != nil {
			return fmt.Errorf("company: add owner: %w", store.Translate(err))
		}
		if err := tx.GetContext(ctx, &c, `SELECT id, name, website, 'owner' AS my_role, created_at FROM companies WHERE id = ?`, id); err != nil {
			return fmt.Errorf("company: reread: %w", store.Translate(err))
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, CompanyID: c.ID, Action: "company.create", Target: target("company", c.ID),
			After: c, RequestID: a.RequestID, IP: a.IP})
	})
	return c, err
}

func target(kind string, id uint64) string { return kind + ":" + strconv.FormatUint(id, 10) }

// Get returns a company the caller belongs to.
func (s *Service) Get(ctx context.Context, a Actor, id uint64) (Company, error) {
	role, err := Authorize(ctx, s.DB, a, id, PermRead)
	if err != nil {
		return Company{}, err
	}
	var c Company
	if err := s.DB.GetContext(ctx, &c, `SELECT id, name, website, created_at FROM companies WHERE id = ?`, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return c, ErrNotFound
		}
		return c, fmt.Errorf("company: get: %w", store.Translate(err))
	}
	c.MyRole = role
	return c, nil
}

// Mine lists the companies the caller belongs to.
func (s *Service) Mine(ctx context.Context, a Actor) ([]Company, error) {
	out := []Company{}
	err := s.DB.SelectContext(ctx, &out, `SELECT c.id, c.name, c.website, m.member_role AS my_role, c.created_at
		FROM company_members m JOIN companies c ON c.id = m.company_id WHERE m.user_id = ? ORDER BY c.id`, a.UserID)
	if err != nil {
		return nil, fmt.Errorf("company: mine: %w", store.Translate(err))
	}
	return out, nil
}

// Name returns a company's name (for mails and notifications of other
// packages); it does not authorize.
func Name(ctx context.Context, q sqlx.QueryerContext, id uint64) (string, error) {
	var n string
	if err := sqlx.GetContext(ctx, q, &n, `SELECT name FROM companies WHERE id = ?`, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", ErrNotFound
		}
		return "", fmt.Errorf("company: name: %w", store.Translate(err))
	}
	return n, nil
}

// RequiresFaceLogin reports whether a company userID belongs to requires
// password and face together at sign-in; it does not authorize.
func RequiresFaceLogin(ctx context.Context, q sqlx.QueryerContext, userID uint64) (bool, error) {
	var n int
	err := sqlx.GetContext(ctx, q, &n, `SELECT COUNT(*) FROM company_members m JOIN companies c ON c.id = m.company_id
		WHERE m.user_id = ? AND c.require_face_login`, userID)
	if err != nil {
		return false, fmt.Errorf("company: face policy: %w", store.Translate(err))
	}
	return n > 0, nil
}

// MemberIDs lists the user ids of a company's members with a role that
// grants perm (to notify recruiters of a new application).
func MemberIDs(ctx context.Context, q sqlx.QueryerContext, companyID uint64, perm Perm) ([]uint64, error) {
	var rows []struct {
		ID   uint64 `db:"user_id"`
		Role string `db:"member_role"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT user_id, member_role FROM company_members WHERE company_id = ? ORDER BY user_id`, companyID); err != nil {
		return nil, fmt.Errorf("company: member ids: %w", store.Translate(err))
	}
	var ids []uint64
	for _, r := range rows {
		if perm.allowedFor(r.Role) {
			ids = append(ids, r.ID)
		}
	}
	return ids, nil
}

// Can reports whether a member role grants perm.
func Can(role string, perm Perm) bool { return perm.allowedFor(role) }

// Roles maps each company userID belongs to onto their member role.
func Roles(ctx context.Context, q sqlx.QueryerContext, userID uint64) (map[uint64]string, error) {
	var rows []struct {
		CompanyID uint64 `db:"company_id"`
		Role      string `db:"member_role"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT company_id, member_role FROM company_members WHERE user_id = ?`, userID); err != nil {
		return nil, fmt.Errorf("company: roles: %w", store.Translate(err))
	}
	out := make(map[uint64]string, len(rows))
	for _, r := range rows {
		out[r.CompanyID] = r.Role
	}
	return out, nil
}

// Members lists a company's members (any member may read it).
func (s *Service) Members(ctx context.Context, a Actor, companyID uint64) ([]Member, error) {
	if _, err := Authorize(ctx, s.DB, a, companyID, PermRead); err != nil {
		return nil, err
	}
	out := []Member{}
	err := s.DB.SelectContext(ctx, &out, `SELECT m.user_id, u.username, u.email, m.member_role, m.created_at
		FROM company_members m JOIN users u ON u.id = m.user_id WHERE m.company_id = ? ORDER BY m.created_at, m.user_id`, companyID)
	if err != nil {
		return nil, fmt.Errorf("company: members: %w", store.Translate(err))
	}
	return out, nil
}

func hashToken(tok string) []byte {
	h := sha256.Sum256([]byte("hirebus-invite\x00" + tok))
	return h[:]
}

// Invite records an invitation of email with role and, in the same
// transaction, queues its mail (with the one-time token; only its hash is
// kept), a notification for the invitee if they already have an account, and
// an audit row. Owners only.
func (s *Service) Invite(ctx context.Context, a Actor, companyID uint64, email, role string) (Invitation, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if !ValidRole(role) || email == "" || len(email) > 254 || !strings.Contains(email, "@") {
		return Invitation{}, ErrInvalid
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return Invitation{}, fmt.Errorf("company: token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	expires := time.Now().UTC().Add(s.inviteTTL()).Truncate(time.Millisecond)
	var inv Invitation
	err := s.Relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
		if _, err := Authorize(ctx, tx, a, companyID, PermManage); err != nil {
			return err
		}
		name, err := Name(ctx, tx, companyID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO company_invitations (company_id, email, member_role, token_hash, invited_by, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, companyID, email, role, hashToken(token), a.UserID, expires)
		if err != nil {
			return fmt.Errorf("company: invite: %w", store.Translate(err))
		}
		id, _ := res.LastInsertId()
		inv = Invitation{ID: uint64(id), CompanyID: companyID, Email: email, Role: role, ExpiresAt: expires}
		link := "/hiring.html#join=" + token
		if s.JoinURL != nil {
			link = s.JoinURL(token)
		}
		env, err := events.NewEnvelope(events.CmdMailNotify, "", a.UserID, events.MailNotify{To: email, Template: events.MailTemplateInvitation,
			Data: map[string]string{"company": name, "role": role, "token": token, "link": link, "expires": expires.Format("2006-01-02")}})
		if err != nil {
			return err
		}
		if err := out.Add(events.CmdMailNotify, env); err != nil {
			return err
		}
		// Cross-owner read until users gets its owner package: is the invitee registered?
		var invitee uint64
		err = tx.GetContext(ctx, &invitee, `SELECT id FROM users WHERE email = ?`, email)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("company: invitee: %w", store.Translate(err))
		}
		if invitee != 0 {
			if _, err := notify.Send(ctx, tx, out, notify.New{UserID: invitee, Kind: "company.invitation",
				Title: "Invitation to " + name, Body: "You are invited to join " + name + " as " + role + ". The link is in your mail.",
				Data: map[string]any{"company_id": companyID, "role": role}}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, CompanyID: companyID, Action: "company.invite", Target: target("invitation", inv.ID),
			After: inv, RequestID: a.RequestID, IP: a.IP})
	})
	return inv, err
}

// Join accepts an invitation: the token must be unused, unexpired and sent
// to the caller's address.
func (s *Service) Join(ctx context.Context, a Actor, token string) (Company, error) {
	if a.UserID == 0 || token == "" || len(token) > 128 {
		return Company{}, ErrInviteInvalid
	}
	var c Company
	err := s.Relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
		var inv struct {
			ID        uint64    `db:"id"`
			CompanyID uint64    `db:"company_id"`
			Email     string    `db:"email"`
			Role      string    `db:"member_role"`
			ExpiresAt time.Time `db:"expires_at"`
		}
		err := tx.GetContext(ctx, &inv, `SELECT id, company_id, email, member_role, expires_at FROM company_invitations
			WHERE token_hash = ? AND accepted_at IS NULL FOR UPDATE`, hashToken(token))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrInviteInvalid
		}
		if err != nil {
			return fmt.Errorf("company: join: %w", store.Translate(err))
		}
		if time.Now().After(inv.ExpiresAt) {
			return ErrInviteInvalid
		}
		var email string
		if err := tx.GetContext(ctx, &email, `SELECT email FROM users WHERE id = ?`, a.UserID); err != nil {
			return fmt.Errorf("company: joiner: %w", store.Translate(err))
		}
		if !strings.EqualFold(email, inv.Email) {
			return ErrInviteEmail
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO company_members (company_id, user_id, member_role) VALUES (?, ?, ?)`, inv.CompanyID, a.UserID, inv.Role); err != nil {
			if err = store.Translate(err); errors.Is(err, store.ErrDuplicate) {
				return ErrAlreadyMember
			}
			return fmt.Errorf("company: join insert: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE company_invitations SET accepted_at = UTC_TIMESTAMP(3), accepted_by = ? WHERE id = ?`, a.UserID, inv.ID); err != nil {
			return fmt.Errorf("company: join mark: %w", store.Translate(err))
		}
		if err := tx.GetContext(ctx, &c, `SELECT id, name, website, created_at FROM companies WHERE id = ?`, inv.CompanyID); err != nil {
			return fmt.Errorf("company: join reread: %w", store.Translate(err))
		}
		c.MyRole = inv.Role
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, CompanyID: inv.CompanyID, Action: "company.join", Target: target("user", a.UserID),
			After: map[string]any{"role": inv.Role, "invitation_id": inv.ID}, RequestID: a.RequestID, IP: a.IP})
	})
	return c, err
}

// lockOwners locks the company's owner rows and counts them, so two
// concurrent demotions cannot both pass the last-owner check.
func lockOwners(ctx context.Context, tx *sqlx.Tx, companyID uint64) (int, error) {
	var ids []uint64
	if err := tx.SelectContext(ctx, &ids, `SELECT user_id FROM company_members WHERE company_id = ? AND member_role = 'owner' FOR UPDATE`, companyID); err != nil {
		return 0, fmt.Errorf("company: lock owners: %w", store.Translate(err))
	}
	return len(ids), nil
}

func memberRole(ctx context.Context, tx *sqlx.Tx, companyID, userID uint64) (string, error) {
	var role string
	err := tx.GetContext(ctx, &role, `SELECT member_role FROM company_members WHERE company_id = ? AND user_id = ? FOR UPDATE`, companyID, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("company: member: %w", store.Translate(err))
	}
	return role, nil
}

// SetRole changes a member's role (owners only); the last owner cannot be
// demoted.
func (s *Service) SetRole(ctx context.Context, a Actor, companyID, userID uint64, role string) (Member, error) {
	if !ValidRole(role) {
		return Member{}, ErrInvalid
	}
	var m Member
	err := s.Relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
		if _, err := Authorize(ctx, tx, a, companyID, PermManage); err != nil {
			return err
		}
		owners, err := lockOwners(ctx, tx, companyID)
		if err != nil {
			return err
		}
		old, err := memberRole(ctx, tx, companyID, userID)
		if err != nil {
			return err
		}
		if old == RoleOwner && role != RoleOwner && owners <= 1 {
			return ErrLastOwner
		}
		if _, err := tx.ExecContext(ctx, `UPDATE company_members SET member_role = ? WHERE company_id = ? AND user_id = ?`, role, companyID, userID); err != nil {
			return fmt.Errorf("company: set role: %w", store.Translate(err))
		}
		if err := tx.GetContext(ctx, &m, `SELECT m.user_id, u.username, u.email, m.member_role, m.created_at
			FROM company_members m JOIN users u ON u.id = m.user_id WHERE m.company_id = ? AND m.user_id = ?`, companyID, userID); err != nil {
			return fmt.Errorf("company: reread member: %w", store.Translate(err))
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, CompanyID: companyID, Action: "member.role", Target: target("user", userID),
			Before: map[string]string{"role": old}, After: map[string]string{"role": role}, RequestID: a.RequestID, IP: a.IP})
	})
	return m, err
}

// RemoveMember removes userID from the company: owners remove anyone, any
// member may leave; the last owner can do neither.
func (s *Service) RemoveMember(ctx context.Context, a Actor, companyID, userID uint64) error {
	return s.Relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
		perm := PermManage
		if userID == a.UserID {
			perm = PermRead
		}
		if _, err := Authorize(ctx, tx, a, companyID, perm); err != nil {
			return err
		}
		owners, err := lockOwners(ctx, tx, companyID)
		if err != nil {
			return err
		}
		old, err := memberRole(ctx, tx, companyID, userID)
		if err != nil {
			return err
		}
		if old == RoleOwner && owners <= 1 {
			return ErrLastOwner
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM company_members WHERE company_id = ? AND user_id = ?`, companyID, userID); err != nil {
			return fmt.Errorf("company: remove: %w", store.Translate(err))
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, CompanyID: companyID, Action: "member.remove", Target: target("user", userID),
			Before: map[string]string{"role": old}, RequestID: a.RequestID, IP: a.IP})
	})
}

// Audit returns the company's audit log (owners only), newest first.
func (s *Service) Audit(ctx context.Context, a Actor, companyID, before uint64, limit int) ([]audit.Row, error) {
	if _, err := Authorize(ctx, s.DB, a, companyID, PermManage); err != nil {
		return nil, err
	}
	return audit.List(ctx, s.DB, companyID, before, limit)
}
