package events

import "encoding/json"

// SendOTP asks the mail worker to make, store and mail a one-time code.
type SendOTP struct {
	Email   string `json:"email"`
	Purpose string `json:"purpose"` // register | reset
}

// Welcome asks the mail worker to greet a newly registered user.
type Welcome struct {
	UserID   uint64 `json:"user_id"`
	Email    string `json:"email"`
	Username string `json:"username"`
}

// OTPSent is published when a code left by mail (never contains the code).
type OTPSent struct {
	Email     string `json:"email"`
	Purpose   string `json:"purpose"`
	ExpiresAt string `json:"expires_at"`
}

// OpError is the public error of a failed operation.
type OpError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// OpCompleted announces the end of an operation, with its result.
type OpCompleted struct {
	OpID   string          `json:"op_id"`
	OpType string          `json:"op_type"`
	Status string          `json:"status"` // done | failed
	Result json.RawMessage `json:"result,omitempty"`
	Error  *OpError        `json:"error,omitempty"`
}

// OpProgress reports intermediate progress of a long operation.
type OpProgress struct {
	OpID   string          `json:"op_id"`
	OpType string          `json:"op_type"`
	Done   int             `json:"done"`
	Total  int             `json:"total"`
	Detail json.RawMessage `json:"detail,omitempty"`
}

// SessionRevoked tells every edge to refuse tokens of this session at once.
type SessionRevoked struct {
	SessionID string `json:"session_id"`
	UserID    uint64 `json:"user_id"`
}

// DeadLetter is what lands on dlq.<subject>.
type DeadLetter struct {
	Subject    string   `json:"subject"`
	Consumer   string   `json:"consumer"`
	Deliveries uint64   `json:"deliveries"`
	Error      string   `json:"error"`
	Envelope   Envelope `json:"envelope"`
}
