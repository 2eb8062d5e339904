package edge

import (
	"strings"
	"sync"

	"github.com/trustelem/zxcvbn/frequency"
)

// commonPasswords is the blocklist of the password policy: the 30,000 most
// common passwords of the zxcvbn project's frequency list (from leaked
// password corpora), as kept by github.com/trustelem/zxcvbn (MIT). Entries
// are lowercase; a password matches case-insensitively ("Password1" is
// "password1").
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	list := frequency.FrequencyLists["passwords"]
	m := make(map[string]struct{}, len(list))
	for _, p := range list {
		m[p] = struct{}{}
	}
	return m
})

func isCommonPassword(pw string) bool {
	_, ok := commonPasswords()[strings.ToLower(pw)]
	return ok
}
