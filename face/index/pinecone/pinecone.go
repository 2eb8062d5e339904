// Package pinecone is the face index (face/index.Index) backed by a Pinecone
// serverless index. It lives apart from face/index so that only the binary
// that selects it links go-pinecone, gRPC and protobuf; the embedded index,
// the matching rules and the edge do not.
package pinecone

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/hirebus/hirebus/face/index"
	pcapi "github.com/pinecone-io/go-pinecone/v5/pinecone"
	"google.golang.org/protobuf/types/known/structpb"
)

// Config selects a Pinecone index (the integrator maps
// HIREBUS_PINECONE_API_KEY, HIREBUS_PINECONE_INDEX_HOST and
// HIREBUS_PINECONE_NAMESPACE onto it). The index must be a dense serverless
// index with dimension 128 and metric "euclidean".
type Config struct {
	APIKey    string
	IndexHost string // e.g. "faces-abc123.svc.us-east1-gcp.pinecone.io"; "http://host:port" means plaintext (tests)
	Namespace string // one per deployment, so staging and production never see each other's faces
	// Model is the descriptor model stored (index.DefaultModel if empty).
	Model string
	// Fanout is how many descriptors Search asks for per wanted user
	// (default 8): Pinecone returns descriptors, not users, and one user has
	// several, so k users need more than k hits.
	Fanout int
}

// Validate reports a missing or unusable setting.
func (c Config) Validate() error {
	switch {
	case c.APIKey == "":
		return fmt.Errorf("index: pinecone config: %w: API key is required", index.ErrInvalid)
	case c.IndexHost == "":
		return fmt.Errorf("index: pinecone config: %w: index host is required", index.ErrInvalid)
	case c.Namespace == "":
		return fmt.Errorf("index: pinecone config: %w: namespace is required (one per deployment)", index.ErrInvalid)
	case c.Fanout < 0 || c.Fanout > 100:
		return fmt.Errorf("index: pinecone config: %w: fanout %d outside 0..100", index.ErrInvalid, c.Fanout)
	}
	return nil
}

// Index is the index.Index backed by a Pinecone serverless index.
//
// Vector ids are "u<user>#<embedding>", so a user's vectors are found by id
// prefix (List), which serverless indexes support without metadata filters;
// the metadata still carries user_id, model, quality, source and op_id.
//
// Distances: Pinecone's "euclidean" metric ranks by Euclidean distance and
// its documentation gives the score as the *squared* distance. Search does
// not rely on that: it asks for the values and computes index.L2 itself, so its
// numbers are exactly the embedded index's.
//
// Limits: there is no transaction, so ReplaceUser upserts the new set before
// deleting the old one (a concurrent search may briefly see both, which is
// harmless: same user). Idempotency comes from ids derived from the op id; a
// replay of an old op after a newer reset would re-apply the old set, which
// the embedded index (op ids in MySQL) does not allow. The adapter has only
// been tested against an in-process stand-in of the data-plane API
// (pineconetest), never against Pinecone itself.
type Index struct {
	conn   *pcapi.IndexConnection
	model  string
	fanout int
}

var _ index.Index = (*Index)(nil)

// pineconeMaxTopK is Pinecone's top_k limit for queries that include values.
const pineconeMaxTopK = 1000

// pineconeBatch bounds ids per fetch/delete and vectors per upsert request.
const pineconeBatch = 100

// New connects to the index (no request is sent until first use).
func New(cfg Config) (*Index, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Model == "" {
		cfg.Model = index.DefaultModel
	}
	if cfg.Fanout == 0 {
		cfg.Fanout = 8
	}
	pc, err := pcapi.NewClient(pcapi.NewClientParams{ApiKey: cfg.APIKey, SourceTag: "hirebus"})
	if err != nil {
		return nil, fmt.Errorf("index: pinecone client: %w", err)
	}
	conn, err := pc.Index(pcapi.NewIndexConnParams{Host: cfg.IndexHost, Namespace: cfg.Namespace})
	if err != nil {
		return nil, fmt.Errorf("index: pinecone connect %s: %w", cfg.IndexHost, err)
	}
	return &Index{conn: conn, model: cfg.Model, fanout: cfg.Fanout}, nil
}

func vectorID(user, emb uint64) string {
	return "u" + strconv.FormatUint(user, 10) + "#" + strconv.FormatUint(emb, 10)
}

func userPrefix(user uint64) string { return "u" + strconv.FormatUint(user, 10) + "#" }

func parseVectorID(id string) (user, emb uint64, err error) {
	u, e, ok := strings.Cut(strings.TrimPrefix(id, "u"), "#")
	if !ok || !strings.HasPrefix(id, "u") {
		return 0, 0, fmt.Errorf("index: pinecone: foreign vector id %q", id)
	}
	if user, err = strconv.ParseUint(u, 10, 64); err != nil {
		return 0, 0, fmt.Errorf("index: pinecone: vector id %q: %w", id, err)
	}
	if emb, err = strconv.ParseUint(e, 10, 64); err != nil {
		return 0, 0, fmt.Errorf("index: pinecone: vector id %q: %w", id, err)
	}
	return user, emb, nil
}

// randomEmbeddingID draws a 53-bit id (exact in JSON numbers and in
// Pinecone's float metadata).
func randomEmbeddingID() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])>>11 | 1
}

// opEmbeddingID derives the id of entry i of operation op, so replaying the
// op rewrites the same vectors instead of adding copies.
func opEmbeddingID(op string, i int) uint64 {
	h := sha256.Sum256([]byte(op + "\x00" + strconv.Itoa(i)))
	return binary.LittleEndian.Uint64(h[:8])>>11 | 1
}

func (p *Index) toVector(e index.Entry, op string) (*pcapi.Vector, error) {
	md, err := structpb.NewStruct(map[string]any{
		"user_id": float64(e.UserID),
		"model":   e.Model,
		"quality": float64(e.Quality),
		"source":  string(e.Source),
		"op_id":   op,
	})
	if err != nil {
		return nil, fmt.Errorf("index: pinecone metadata: %w", err)
	}
	vals := slices.Clone(e.Vector)
	return &pcapi.Vector{Id: vectorID(e.UserID, e.EmbeddingID), Values: &vals, Metadata: md}, nil
}

func (p *Index) upsert(ctx context.Context, entries []index.Entry, op string) error {
	for lo := 0; lo < len(entries); lo += pineconeBatch {
		batch := entries[lo:min(len(entries), lo+pineconeBatch)]
		vs := make([]*pcapi.Vector, len(batch))
		for i, e := range batch {
			v, err := p.toVector(e, op)
			if err != nil {
				return err
			}
			vs[i] = v
		}
		if _, err := p.conn.UpsertVectors(ctx, vs); err != nil {
			return fmt.Errorf("pinecone upsert: %w", err)
		}
	}
	return nil
}

// Upsert implements index.Index. An explicit EmbeddingID that belongs to another
// user is not moved: ids are namespaced by user here.
func (p *Index) Upsert(ctx context.Context, entries []index.Entry) error {
	for i := range entries {
		if err := index.NormalizeEntry(&entries[i], p.model); err != nil {
			return fmt.Errorf("index: upsert: entry %d: %w", i, err)
		}
	}
	for i := range entries {
		if entries[i].EmbeddingID == 0 {
			entries[i].EmbeddingID = randomEmbeddingID()
		}
	}
	if err := p.upsert(ctx, entries, ""); err != nil {
		return fmt.Errorf("index: upsert: %w", err)
	}
	return nil
}

// ReplaceUser implements index.Index.
func (p *Index) ReplaceUser(ctx context.Context, userID uint64, opID string, entries []index.Entry) (bool, error) {
	if userID == 0 || len(entries) == 0 || len(opID) > 64 {
		return false, fmt.Errorf("index: replace user: %w: need a user, entries and an op id of at most 64 bytes", index.ErrInvalid)
	}
	if opID == "" {
		opID = randomOpID()
	}
	for i := range entries {
		if entries[i].UserID == 0 {
			entries[i].UserID = userID
		}
		if entries[i].UserID != userID {
			return false, fmt.Errorf("index: replace user %d: %w: entry %d belongs to user %d", userID, index.ErrInvalid, i, entries[i].UserID)
		}
		if err := index.NormalizeEntry(&entries[i], p.model); err != nil {
			return false, fmt.Errorf("index: replace user %d: entry %d: %w", userID, i, err)
		}
		entries[i].EmbeddingID = opEmbeddingID(opID, i)
	}
	old, err := p.listUser(ctx, userID)
	if err != nil {
		return false, fmt.Errorf("index: replace user %d: %w", userID, err)
	}
	want := make(map[string]bool, len(entries))
	for _, e := range entries {
		want[vectorID(userID, e.EmbeddingID)] = true
	}
	present := 0
	var stale []string
	for _, id := range old {
		if want[id] {
			present++
		} else {
			stale = append(stale, id)
		}
	}
	if present == len(entries) && len(stale) == 0 {
		return false, nil // this op is already the user's current set
	}
	if err := p.upsert(ctx, entries, opID); err != nil {
		return false, fmt.Errorf("index: replace user %d: %w", userID, err)
	}
	if err := p.deleteIDs(ctx, stale); err != nil {
		return false, fmt.Errorf("index: replace user %d: %w", userID, err)
	}
	return true, nil
}

// listUser returns the ids of userID's vectors (id-prefix listing).
func (p *Index) listUser(ctx context.Context, userID uint64) ([]string, error) {
	prefix := userPrefix(userID)
	var ids []string
	var token *string
	for range 10000 {
		res, err := p.conn.ListVectors(ctx, &pcapi.ListVectorsRequest{Prefix: &prefix, PaginationToken: token})
		if err != nil {
			return nil, fmt.Errorf("pinecone list: %w", err)
		}
		for _, id := range res.VectorIds {
			if id != nil {
				ids = append(ids, *id)
			}
		}
		if res.NextPaginationToken == nil || *res.NextPaginationToken == "" {
			return ids, nil
		}
		token = res.NextPaginationToken
	}
	return nil, errors.New("pinecone list: too many pages")
}

func (p *Index) deleteIDs(ctx context.Context, ids []string) error {
	for lo := 0; lo < len(ids); lo += pineconeBatch {
		if err := p.conn.DeleteVectorsById(ctx, ids[lo:min(len(ids), lo+pineconeBatch)]); err != nil {
			return fmt.Errorf("pinecone delete: %w", err)
		}
	}
	return nil
}

// DeleteUser implements index.Index.
func (p *Index) DeleteUser(ctx context.Context, userID uint64) error {
	ids, err := p.listUser(ctx, userID)
	if err != nil {
		return fmt.Errorf("index: delete user %d: %w", userID, err)
	}
	if err := p.deleteIDs(ctx, ids); err != nil {
		return fmt.Errorf("index: delete user %d: %w", userID, err)
	}
	return nil
}

// UserEntries implements index.Index.
func (p *Index) UserEntries(ctx context.Context, userID uint64) ([]index.Entry, error) {
	ids, err := p.listUser(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("index: user entries %d: %w", userID, err)
	}
	var out []index.Entry
	for lo := 0; lo < len(ids); lo += pineconeBatch {
		res, err := p.conn.FetchVectors(ctx, ids[lo:min(len(ids), lo+pineconeBatch)])
		if err != nil {
			return nil, fmt.Errorf("index: user entries %d: pinecone fetch: %w", userID, err)
		}
		for id, v := range res.Vectors {
			e, err := p.entryOf(id, v)
			if err != nil {
				return nil, fmt.Errorf("index: user entries %d: %w", userID, err)
			}
			if e.Model == p.model {
				out = append(out, e)
			}
		}
	}
	slices.SortFunc(out, func(a, b index.Entry) int { return cmp.Compare(a.EmbeddingID, b.EmbeddingID) })
	return out, nil
}

func (p *Index) entryOf(id string, v *pcapi.Vector) (index.Entry, error) {
	user, emb, err := parseVectorID(id)
	if err != nil {
		return index.Entry{}, err
	}
	if v == nil || v.Values == nil {
		return index.Entry{}, fmt.Errorf("index: pinecone: vector %s has no values", id)
	}
	if err := index.CheckVector(*v.Values); err != nil {
		return index.Entry{}, fmt.Errorf("index: pinecone: vector %s: %w", id, err)
	}
	e := index.Entry{EmbeddingID: emb, UserID: user, Vector: *v.Values, Model: p.model}
	if v.Metadata != nil {
		f := v.Metadata.GetFields()
		if m, ok := f["model"]; ok {
			e.Model = m.GetStringValue()
		}
		if q, ok := f["quality"]; ok {
			e.Quality = float32(q.GetNumberValue())
		}
		if s, ok := f["source"]; ok {
			e.Source = index.Source(s.GetStringValue())
		}
	}
	return e, nil
}

// Search implements index.Index. The query asks for k×Fanout descriptors (values
// included), keeps each user's closest and computes exact index.L2 locally. If
// users have more than Fanout descriptors, fewer than k users may come back;
// Identify only needs two.
func (p *Index) Search(ctx context.Context, vec []float32, k int) ([]index.Match, error) {
	if err := index.CheckVector(vec); err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	if err := index.CheckK(k); err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	filter, err := structpb.NewStruct(map[string]any{"model": map[string]any{"$eq": p.model}})
	if err != nil {
		return nil, fmt.Errorf("index: search: filter: %w", err)
	}
	res, err := p.conn.QueryByVectorValues(ctx, &pcapi.QueryByVectorValuesRequest{
		Vector:          slices.Clone(vec),
		TopK:            uint32(min(pineconeMaxTopK, k*p.fanout)),
		MetadataFilter:  filter,
		IncludeValues:   true,
		IncludeMetadata: true,
	})
	if err != nil {
		return nil, fmt.Errorf("index: search: pinecone query: %w", err)
	}
	best := map[uint64]index.Match{}
	for _, m := range res.Matches {
		if m == nil || m.Vector == nil {
			continue
		}
		e, err := p.entryOf(m.Vector.Id, m.Vector)
		if err != nil {
			return nil, fmt.Errorf("index: search: %w", err)
		}
		d := index.L2(vec, e.Vector)
		if b, ok := best[e.UserID]; !ok || d < b.Distance {
			best[e.UserID] = index.Match{UserID: e.UserID, EmbeddingID: e.EmbeddingID, Distance: d}
		}
	}
	out := make([]index.Match, 0, len(best))
	for _, m := range best {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b index.Match) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(a.UserID, b.UserID))
	})
	if len(out) > k {
		out = out[:k]
	}
	return out, nil
}

// Len implements index.Index (vector count of the namespace, which Pinecone
// updates eventually, not immediately).
func (p *Index) Len(ctx context.Context) (int, error) {
	st, err := p.conn.DescribeIndexStats(ctx)
	if err != nil {
		return 0, fmt.Errorf("index: len: pinecone stats: %w", err)
	}
	if ns, ok := st.Namespaces[p.conn.Namespace()]; ok && ns != nil {
		return int(ns.VectorCount), nil
	}
	return 0, nil
}

// ApplyChange implements index.Index: replicas share the remote index, so there is
// nothing to catch up on.
func (p *Index) ApplyChange(context.Context, index.Change) error { return nil }

// Close implements index.Index.
func (p *Index) Close() error {
	if err := p.conn.Close(); err != nil {
		return fmt.Errorf("index: pinecone close: %w", err)
	}
	return nil
}

func randomOpID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "idx-" + hex.EncodeToString(b[:])
}
