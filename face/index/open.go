package index

import (
	"context"
	"database/sql"
	"fmt"
)

// Config chooses and configures the index. The embedded index is the
// default; setting any Pinecone field selects Pinecone (and then all of its
// required fields must be set).
type Config struct {
	// Model is the descriptor model (DefaultModel if empty); pass the
	// embedder's ModelID so the index never mixes embedding spaces.
	Model string
	// Parallelism bounds goroutines per embedded search (1 if 0).
	Parallelism int
	Pinecone    PineconeConfig
}

// UsesPinecone reports whether Open will return the Pinecone index.
func (c Config) UsesPinecone() bool {
	return c.Pinecone.APIKey != "" || c.Pinecone.IndexHost != "" || c.Pinecone.Namespace != ""
}

// Validate checks the configuration without connecting anywhere.
func (c Config) Validate() error {
	if len(c.Model) > 64 {
		return fmt.Errorf("index: config: %w: model name longer than 64", ErrInvalid)
	}
	if c.Parallelism < 0 {
		return fmt.Errorf("index: config: %w: parallelism %d", ErrInvalid, c.Parallelism)
	}
	if c.UsesPinecone() {
		return c.Pinecone.Validate()
	}
	return nil
}

// Open returns the configured index, ready to search: the embedded index is
// loaded from db (which must be migrated); Pinecone ignores db.
func Open(ctx context.Context, db *sql.DB, cfg Config) (Index, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.UsesPinecone() {
		pc := cfg.Pinecone
		if pc.Model == "" {
			pc.Model = cfg.Model
		}
		return NewPinecone(pc)
	}
	e, err := NewEmbedded(db, EmbeddedConfig{Model: cfg.Model, Parallelism: cfg.Parallelism})
	if err != nil {
		return nil, err
	}
	if err := e.Load(ctx); err != nil {
		return nil, err
	}
	return e, nil
}
