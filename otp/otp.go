// Package otp makes and checks one-time codes. Only a salted SHA-256 of a
// code is ever stored; the code itself exists in the mail and nowhere else.
package otp

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"math/big"
)

// Purposes a code can be issued for.
const (
	PurposeRegister = "register"
	PurposeReset    = "reset"
)

// ValidPurpose reports whether p is a known purpose.
func ValidPurpose(p string) bool { return p == PurposeRegister || p == PurposeReset }

// Digits is the length of a code.
const Digits = 6

// Generate returns a uniformly random numeric code and a fresh salt.
func Generate() (code string, salt [16]byte, err error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", salt, fmt.Errorf("otp: random: %w", err)
	}
	if _, err := rand.Read(salt[:]); err != nil {
		return "", salt, fmt.Errorf("otp: salt: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), salt, nil
}

// Hash is what is stored for code.
func Hash(code string, salt []byte) [32]byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(code))
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// Equal compares a candidate code with a stored hash in constant time.
func Equal(code string, salt, stored []byte) bool {
	h := Hash(code, salt)
	return subtle.ConstantTimeCompare(h[:], stored) == 1
}
