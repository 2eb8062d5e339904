package events

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Stages of a proctoring batch on its way from the edge's 202 to the
// recruiters' sockets, observed by ProctorStageSeconds (seconds since the
// batch's Accepted time). They split the live feed's latency so a slow run
// says where the time went: the edge storing the command, the command
// waiting for its partition, the worker's transaction, the live event's
// publication, and the edge handing it to the sockets.
const (
	StageEdgeStored      = "edge_stored"      // the command stream acknowledged the batch (edge)
	StageWorkerStart     = "worker_start"     // a proctor worker began handling it
	StageWorkerCommitted = "worker_committed" // its transaction committed
	StageWorkerPublished = "worker_published" // its live update was stored on the event stream
	StageEdgePushed      = "edge_pushed"      // an edge queued the update on its subscribers' sockets
)

// ProctorStageSeconds is the time from a proctoring batch's acceptance to
// each stage. Buckets from 0.25 ms to ~30 s, fine enough to read a p99 of a
// few milliseconds.
var ProctorStageSeconds = promauto.NewHistogramVec(prometheus.HistogramOpts{
	Name:    "hirebus_proctor_stage_seconds",
	Help:    "Time from a proctoring batch's 202 to each stage of the live feed (edge_stored, worker_start, worker_committed, worker_published, edge_pushed).",
	Buckets: prometheus.ExponentialBuckets(0.00025, 1.4, 36),
}, []string{"stage"})

// ObserveProctorStage records that a batch accepted at accepted reached
// stage now (nothing when accepted is unknown, e.g. a frame check).
func ObserveProctorStage(stage string, accepted time.Time) {
	if accepted.IsZero() {
		return
	}
	ProctorStageSeconds.WithLabelValues(stage).Observe(time.Since(accepted).Seconds())
}
