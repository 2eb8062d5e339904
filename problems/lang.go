package problems

import "github.com/hirebus/hirebus/sandbox"

// knownLanguage reports whether starter code may be keyed by name: only a
// canonical sandbox language ID, not an alias, so each language has one key.
func knownLanguage(name string) bool {
	l, err := sandbox.LookupLanguage(name)
	return err == nil && l.ID == name
}
