package otp

import (
	"strings"
	"testing"
)

func TestDerive(t *testing.T) {
	key := []byte(strings.Repeat("k", MinKeyLen))
	a, err := Derive(key, "cmd-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != Digits {
		t.Fatalf("code %q has %d digits", a, len(a))
	}
	t.Run("same command same code", func(t *testing.T) {
		b, _ := Derive(key, "cmd-1")
		if a != b {
			t.Fatalf("%s != %s", a, b)
		}
	})
	t.Run("codes spread over commands", func(t *testing.T) {
		seen := map[string]bool{}
		for i := range 200 {
			c, _ := Derive(key, "cmd-"+string(rune('a'+i%26))+strings.Repeat("x", i))
			seen[c] = true
		}
		if len(seen) < 195 {
			t.Fatalf("only %d distinct codes of 200", len(seen))
		}
	})
	t.Run("other key other code", func(t *testing.T) {
		b, _ := Derive([]byte(strings.Repeat("j", MinKeyLen)), "cmd-1")
		if a == b {
			t.Fatal("code does not depend on the key")
		}
	})
	t.Run("short key refused", func(t *testing.T) {
		if _, err := Derive([]byte("short"), "cmd-1"); err == nil {
			t.Fatal("short key accepted")
		}
	})
}
