package otp

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// MinKeyLen is the shortest server secret Derive accepts.
const MinKeyLen = 32

// Derive returns the code of one send-otp command: HMAC-SHA256 of the
// command id under a server secret, reduced to Digits decimal digits. A
// redelivered command therefore mails the same code as its first delivery
// (the code the user may already hold keeps working), and nothing but the
// secret holder can predict it from the command id.
func Derive(key []byte, commandID string) (string, error) {
	if len(key) < MinKeyLen {
		return "", fmt.Errorf("otp: derive: key shorter than %d bytes", MinKeyLen)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("hirebus otp v1\x00"))
	m.Write([]byte(commandID))
	sum := m.Sum(nil)
	// 2^64 mod 10^6 is negligible next to 2^64: the bias is below 1e-13.
	n := binary.BigEndian.Uint64(sum[:8]) % 1_000_000
	return fmt.Sprintf("%06d", n), nil
}
