package index

// Checks shared with the adapters in sub-packages (face/index/pinecone), so
// every Index refuses the same input with the same errors.

// CheckVector rejects a descriptor that would poison distances (NaN, ±Inf)
// or has the wrong length (ErrDimension).
func CheckVector(v []float32) error { return checkVector(v) }

// CheckK rejects a Search k outside 1..MaxK (ErrInvalid).
func CheckK(k int) error { return checkK(k) }

// NormalizeEntry validates e against the index model and fills its defaults
// (model, source), as Upsert and ReplaceUser do before storing it.
func NormalizeEntry(e *Entry, model string) error { return normalize(e, model) }
