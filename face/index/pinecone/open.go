package pinecone

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/hirebus/hirebus/face/index"
)

// OpenConfig chooses and configures the face index. The embedded index
// (index.Embedded) is the default; setting any Pinecone field selects
// Pinecone (and then all of its required fields must be set). It lives here,
// not in face/index, because choosing Pinecone links its client.
type OpenConfig struct {
	// Model is the descriptor model (index.DefaultModel if empty); pass the
	// embedder's ModelID so the index never mixes embedding spaces.
	Model string
	// Parallelism bounds goroutines per embedded search (1 if 0).
	Parallelism int
	Pinecone    Config
}

// UsesPinecone reports whether Open will return the Pinecone index.
func (c OpenConfig) UsesPinecone() bool {
	return c.Pinecone.APIKey != "" || c.Pinecone.IndexHost != "" || c.Pinecone.Namespace != ""
}

// Validate checks the configuration without connecting anywhere.
func (c OpenConfig) Validate() error {
	if len(c.Model) > 64 {
		return fmt.Errorf("index: config: %w: model name longer than 64", index.ErrInvalid)
	}
	if c.Parallelism < 0 {
		return fmt.Errorf("index: config: %w: parallelism %d", index.ErrInvalid, c.Parallelism)
	}
	if c.UsesPinecone() {
		return c.Pinecone.Validate()
	}
	return nil
}

// Open returns the configured index, ready to search: the embedded index is
// loaded from db (which must be migrated); Pinecone ignores db.
func Open(ctx context.Context, db *sql.DB, cfg OpenConfig) (index.Index, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.UsesPinecone() {
		pc := cfg.Pinecone
		if pc.Model == "" {
			pc.Model = cfg.Model
		}
		return New(pc)
	}
	e, err := index.NewEmbedded(db, index.EmbeddedConfig{Model: cfg.Model, Parallelism: cfg.Parallelism})
	if err != nil {
		return nil, err
	}
	if err := e.Load(ctx); err != nil {
		return nil, err
	}
	return e, nil
}
