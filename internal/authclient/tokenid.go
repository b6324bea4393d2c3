package authclient

import "strings"

// tokenIDFormat is the contract's TokenId schema: a kind prefix, then 16 to 64 ASCII
// letters or digits. It is checked by hand rather than by a regexp because `{16,64}`
// compiles to a program of some 600 allocations, paid at every start of every provider
// process (Terraform starts several per command).
type tokenIDFormat struct {
	prefixes []string
	pattern  string // the equivalent regexp, for messages
}

var (
	longTokenID  = tokenIDFormat{prefixes: []string{"lt_"}, pattern: `^lt_[A-Za-z0-9]{16,64}$`}
	shortTokenID = tokenIDFormat{prefixes: []string{"st_"}, pattern: `^st_[A-Za-z0-9]{16,64}$`}
	anyTokenID   = tokenIDFormat{prefixes: []string{"lt_", "st_"}, pattern: `^(lt|st)_[A-Za-z0-9]{16,64}$`}
)

// IsLongTermTokenID reports whether s has the form of a long-term token id (lt_…).
func IsLongTermTokenID(s string) bool { return longTokenID.MatchString(s) }

func (f tokenIDFormat) MatchString(s string) bool {
	for _, prefix := range f.prefixes {
		if rest, ok := strings.CutPrefix(s, prefix); ok {
			return len(rest) >= 16 && len(rest) <= 64 && isAlphanumeric(rest)
		}
	}
	return false
}

func (f tokenIDFormat) String() string { return f.pattern }

func isAlphanumeric(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}
