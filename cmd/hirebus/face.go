package main

// Wiring of the face feature: the face worker and the `hirebus face` tool.

import (
	"context"
	"fmt"
	"os"

	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/face/index"
	"github.com/hirebus/hirebus/face/index/pinecone"
	faceworker "github.com/hirebus/hirebus/workers/face"
)

// runFaceTool is `hirebus face detect|embed|compare|eval` (facecli.go,
// face_eval.go); compare judges "same person" like the fixed 1:1 threshold
// (match.DefaultThresholds), eval calibrates the configured sign-in rule.
func runFaceTool(ctx context.Context, cfg Config, args []string) error {
	if len(args) > 0 && args[0] == "eval" {
		return runFaceEval(ctx, cfg, args[1:], os.Stdout)
	}
	return runFaceCLI(ctx, args, cfg.ModelsDir, os.Stdout)
}

// newFaceWorker picks the vector index: Pinecone when its key and host are
// set, else the embedded MySQL-backed index. Without models it fails with
// face.Load's one-line error, so the process exits non-zero at once.
func newFaceWorker(_ context.Context, cfg Config, d Deps) (worker, error) {
	p, err := face.Load(cfg.ModelsDir)
	if err != nil {
		return nil, err
	}
	var idx index.Index
	if cfg.PineconeAPIKey != "" && cfg.PineconeIndexHost != "" {
		pc, err := pinecone.New(pinecone.Config{
			APIKey: cfg.PineconeAPIKey, IndexHost: cfg.PineconeIndexHost, Namespace: cfg.PineconeNamespace, Model: p.ModelID(),
		})
		if err != nil {
			return nil, fmt.Errorf("face index: %w", err)
		}
		idx = pc
		d.Log.Info("face index: pinecone", "host", cfg.PineconeIndexHost, "namespace", cfg.PineconeNamespace)
	}
	return faceworker.New(faceworker.Config{ModelsDir: cfg.ModelsDir, Concurrency: cfg.WorkerConcurrency, Thresholds: cfg.FaceThresholds()},
		faceworker.Deps{DB: d.DB, JS: d.JS, Relay: d.Relay, Log: d.Log, Embedder: p, Index: idx})
}
