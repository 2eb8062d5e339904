// Package pineconetest is an in-process stand-in for the data plane of a
// Pinecone serverless index, so the Pinecone adapter in face/index can run
// the same test suite as the embedded index without network access.
//
// go-pinecone speaks gRPC (service VectorService) for vector operations, so
// this is a gRPC server on a loopback port. It implements what the adapter
// uses — Upsert, Query (euclidean metric, $eq metadata filter), Fetch, List
// (id prefix, pagination), Delete (ids, delete_all, $eq filter) and
// DescribeIndexStats — with the semantics documented by Pinecone as far as we
// know them, and it checks the Api-Key header. It is not Pinecone: passing
// against it proves the adapter's wiring and logic, not the service's
// behaviour (eventual consistency, rate limits, exact error codes).
//
// The request and response messages are the generated types that
// go-pinecone registers in the protobuf registry; requests are converted to
// JSON and decoded into plain structs here, so the stand-in depends only on
// field names, like a REST client would.
package pineconetest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	// Linking the client registers VectorService's descriptors.
	_ "github.com/pinecone-io/go-pinecone/v5/pinecone"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// Server is a running stand-in. Its state is one index: namespace → id → vector.
type Server struct {
	apiKey string
	dim    int
	lis    net.Listener
	srv    *grpc.Server

	mu         sync.Mutex
	namespaces map[string]map[string]record
	calls      map[string]int
}

type record struct {
	Values   []float32      `json:"values"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

// Start serves a stand-in index of dimension dim requiring apiKey, stopped at
// test cleanup.
func Start(t testing.TB, apiKey string, dim int) *Server {
	t.Helper()
	s, err := New(apiKey, dim)
	if err != nil {
		t.Fatalf("pineconetest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// New starts a stand-in on a free loopback port.
func New(apiKey string, dim int) (*Server, error) {
	d, err := protoregistry.GlobalFiles.FindDescriptorByName("VectorService")
	if err != nil {
		return nil, fmt.Errorf("pineconetest: VectorService descriptor: %w", err)
	}
	svc, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return nil, fmt.Errorf("pineconetest: VectorService is a %T", d)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("pineconetest: listen: %w", err)
	}
	s := &Server{apiKey: apiKey, dim: dim, lis: lis, namespaces: map[string]map[string]record{}, calls: map[string]int{}}
	handlers := map[string]func(json.RawMessage) (any, error){
		"Upsert":             s.upsert,
		"Query":              s.query,
		"Fetch":              s.fetch,
		"List":               s.list,
		"Delete":             s.delete,
		"DescribeIndexStats": s.stats,
	}
	desc := grpc.ServiceDesc{ServiceName: string(svc.FullName()), HandlerType: (*any)(nil)}
	for name, h := range handlers {
		md := svc.Methods().ByName(protoreflect.Name(name))
		if md == nil {
			lis.Close()
			return nil, fmt.Errorf("pineconetest: VectorService has no method %s", name)
		}
		desc.Methods = append(desc.Methods, grpc.MethodDesc{MethodName: name, Handler: s.unary(name, md, h)})
	}
	s.srv = grpc.NewServer()
	s.srv.RegisterService(&desc, s)
	go func() { _ = s.srv.Serve(lis) }()
	return s, nil
}

// Host is the index host to configure, with the http:// scheme that makes
// go-pinecone use plaintext gRPC.
func (s *Server) Host() string { return "http://" + s.lis.Addr().String() }

// Close stops the server.
func (s *Server) Close() { s.srv.Stop() }

// Calls returns how many times the method (e.g. "Query") was called.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Count is the number of vectors in namespace ns.
func (s *Server) Count(ns string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.namespaces[ns])
}

var marshal = protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: false}

// unary adapts a JSON handler to a gRPC method: proto request → JSON → h →
// JSON → proto response of the method's output type.
func (s *Server) unary(name string, md protoreflect.MethodDescriptor, h func(json.RawMessage) (any, error)) func(any, context.Context, func(any) error, grpc.UnaryServerInterceptor) (any, error) {
	return func(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
		if err := s.auth(ctx); err != nil {
			return nil, err
		}
		in, err := newMessage(md.Input())
		if err != nil {
			return nil, err
		}
		if err := dec(in); err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "decode: %v", err)
		}
		js, err := marshal.Marshal(in)
		if err != nil {
			return nil, status.Errorf(codes.Internal, "to json: %v", err)
		}
		s.mu.Lock()
		s.calls[name]++
		res, err := h(js)
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
		outJSON, err := json.Marshal(res)
		if err != nil {
			return nil, status.Errorf(codes.Internal, "response json: %v", err)
		}
		out, err := newMessage(md.Output())
		if err != nil {
			return nil, err
		}
		if err := protojson.Unmarshal(outJSON, out); err != nil {
			return nil, status.Errorf(codes.Internal, "response proto: %v (%s)", err, outJSON)
		}
		return out, nil
	}
}

func newMessage(d protoreflect.MessageDescriptor) (proto.Message, error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(d.FullName())
	if err != nil {
		return nil, status.Errorf(codes.Internal, "message %s: %v", d.FullName(), err)
	}
	return mt.New().Interface(), nil
}

func (s *Server) auth(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	if keys := md.Get("api-key"); len(keys) == 1 && keys[0] == s.apiKey {
		return nil
	}
	return status.Error(codes.Unauthenticated, "invalid api key")
}

// ns returns namespace name's map; "" is "__default__" as in Pinecone.
func (s *Server) ns(name string) map[string]record {
	if name == "" {
		name = "__default__"
	}
	m, ok := s.namespaces[name]
	if !ok {
		m = map[string]record{}
		s.namespaces[name] = m
	}
	return m
}

type vector struct {
	ID       string         `json:"id"`
	Values   []float32      `json:"values"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

func (s *Server) upsert(js json.RawMessage) (any, error) {
	var req struct {
		Vectors   []vector `json:"vectors"`
		Namespace string   `json:"namespace"`
	}
	if err := json.Unmarshal(js, &req); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "upsert: %v", err)
	}
	for _, v := range req.Vectors {
		if v.ID == "" || len(v.ID) > 512 {
			return nil, status.Error(codes.InvalidArgument, "vector id must be 1..512 bytes")
		}
		if len(v.Values) != s.dim {
			return nil, status.Errorf(codes.InvalidArgument, "vector dimension %d does not match the dimension of the index %d", len(v.Values), s.dim)
		}
	}
	ns := s.ns(req.Namespace)
	for _, v := range req.Vectors {
		ns[v.ID] = record{Values: v.Values, Metadata: v.Metadata}
	}
	return map[string]any{"upserted_count": len(req.Vectors)}, nil
}

// matches implements the subset of Pinecone's metadata filter language the
// adapter uses: {"field": {"$eq": value}} and {"field": value}.
func matches(filter, md map[string]any) (bool, error) {
	for field, cond := range filter {
		want := cond
		if m, ok := cond.(map[string]any); ok {
			eq, ok := m["$eq"]
			if !ok || len(m) != 1 {
				return false, status.Errorf(codes.Unimplemented, "stand-in supports only $eq filters, got %v", m)
			}
			want = eq
		}
		if fmt.Sprint(md[field]) != fmt.Sprint(want) {
			return false, nil
		}
	}
	return true, nil
}

func (s *Server) query(js json.RawMessage) (any, error) {
	var req struct {
		Namespace       string         `json:"namespace"`
		TopK            int            `json:"top_k"`
		Filter          map[string]any `json:"filter"`
		IncludeValues   bool           `json:"include_values"`
		IncludeMetadata bool           `json:"include_metadata"`
		Vector          []float32      `json:"vector"`
		ID              string         `json:"id"`
	}
	if err := json.Unmarshal(js, &req); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "query: %v", err)
	}
	if req.TopK < 1 || req.TopK > 10000 {
		return nil, status.Error(codes.InvalidArgument, "top_k must be 1..10000")
	}
	if req.TopK > 1000 && (req.IncludeValues || req.IncludeMetadata) {
		return nil, status.Error(codes.InvalidArgument, "top_k over 1000 cannot include values or metadata")
	}
	if len(req.Vector) != s.dim {
		return nil, status.Errorf(codes.InvalidArgument, "query vector dimension %d does not match the dimension of the index %d", len(req.Vector), s.dim)
	}
	type scored struct {
		id string
		r  record
		d2 float64
	}
	var all []scored
	for id, r := range s.ns(req.Namespace) {
		ok, err := matches(req.Filter, r.Metadata)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		var d2 float64
		for i, x := range r.Values {
			d := float64(x) - float64(req.Vector[i])
			d2 += d * d
		}
		all = append(all, scored{id, r, d2})
	}
	slices.SortFunc(all, func(a, b scored) int {
		if a.d2 != b.d2 {
			if a.d2 < b.d2 {
				return -1
			}
			return 1
		}
		return strings.Compare(a.id, b.id)
	})
	all = all[:min(len(all), req.TopK)]
	out := make([]map[string]any, len(all))
	for i, m := range all {
		// Euclidean metric: the score is the squared distance.
		sv := map[string]any{"id": m.id, "score": m.d2}
		if req.IncludeValues {
			sv["values"] = m.r.Values
		}
		if req.IncludeMetadata && m.r.Metadata != nil {
			sv["metadata"] = m.r.Metadata
		}
		out[i] = sv
	}
	return map[string]any{"matches": out, "namespace": req.Namespace}, nil
}

func (s *Server) fetch(js json.RawMessage) (any, error) {
	var req struct {
		IDs       []string `json:"ids"`
		Namespace string   `json:"namespace"`
	}
	if err := json.Unmarshal(js, &req); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "fetch: %v", err)
	}
	ns := s.ns(req.Namespace)
	vs := map[string]any{}
	for _, id := range req.IDs {
		if r, ok := ns[id]; ok {
			vs[id] = map[string]any{"id": id, "values": r.Values, "metadata": r.Metadata}
		}
	}
	return map[string]any{"vectors": vs, "namespace": req.Namespace}, nil
}

// listPage is Pinecone's default (and maximum) page size for List; the
// stand-in uses a small one so the adapter's pagination is exercised.
const listPage = 3

func (s *Server) list(js json.RawMessage) (any, error) {
	var req struct {
		Prefix          string `json:"prefix"`
		Limit           int    `json:"limit"`
		PaginationToken string `json:"pagination_token"`
		Namespace       string `json:"namespace"`
	}
	if err := json.Unmarshal(js, &req); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "list: %v", err)
	}
	limit := listPage
	if req.Limit > 0 && req.Limit < limit {
		limit = req.Limit
	}
	var ids []string
	for id := range s.ns(req.Namespace) {
		if strings.HasPrefix(id, req.Prefix) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	start := 0
	if req.PaginationToken != "" {
		n, err := strconv.Atoi(req.PaginationToken)
		if err != nil || n < 0 {
			return nil, status.Error(codes.InvalidArgument, "bad pagination token")
		}
		start = min(n, len(ids))
	}
	end := min(len(ids), start+limit)
	items := make([]map[string]any, 0, end-start)
	for _, id := range ids[start:end] {
		items = append(items, map[string]any{"id": id})
	}
	res := map[string]any{"vectors": items, "namespace": req.Namespace}
	if end < len(ids) {
		res["pagination"] = map[string]any{"next": strconv.Itoa(end)}
	}
	return res, nil
}

func (s *Server) delete(js json.RawMessage) (any, error) {
	var req struct {
		IDs       []string       `json:"ids"`
		DeleteAll bool           `json:"delete_all"`
		Namespace string         `json:"namespace"`
		Filter    map[string]any `json:"filter"`
	}
	if err := json.Unmarshal(js, &req); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "delete: %v", err)
	}
	ns := s.ns(req.Namespace)
	switch {
	case req.DeleteAll:
		clear(ns)
	case len(req.IDs) > 0:
		if len(req.IDs) > 1000 {
			return nil, status.Error(codes.InvalidArgument, "at most 1000 ids per delete")
		}
		for _, id := range req.IDs {
			delete(ns, id)
		}
	case len(req.Filter) > 0:
		for id, r := range ns {
			ok, err := matches(req.Filter, r.Metadata)
			if err != nil {
				return nil, err
			}
			if ok {
				delete(ns, id)
			}
		}
	default:
		return nil, status.Error(codes.InvalidArgument, "delete needs ids, delete_all or a filter")
	}
	return map[string]any{}, nil
}

func (s *Server) stats(json.RawMessage) (any, error) {
	nss := map[string]any{}
	total := 0
	for name, ns := range s.namespaces {
		nss[name] = map[string]any{"vector_count": len(ns)}
		total += len(ns)
	}
	return map[string]any{"namespaces": nss, "dimension": s.dim, "total_vector_count": total, "index_fullness": 0.0}, nil
}
