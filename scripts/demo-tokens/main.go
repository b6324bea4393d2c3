// Command demo-tokens prints the local Auth API server's record of every token, read from
// its test control GET /_test/tokens, and checks it against expectations. scripts/demo.sh
// uses it to show what the server holds, next to what Terraform says; it never sees a
// secret, because the listing holds none.
//
//	demo-tokens -server http://127.0.0.1:PORT [-expect ID=STATE[/MECHANISM]]... [-active N]
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/example/terraform-provider-auth/internal/authserver"
)

// expectation is one -expect flag: a token's state and, optionally, how it was issued.
type expectation struct {
	id, state, mechanism string
}

type expectations []expectation

func (e *expectations) String() string { return fmt.Sprint(*e) }

func (e *expectations) Set(v string) error {
	id, want, ok := strings.Cut(v, "=")
	if !ok || id == "" || want == "" {
		return errors.New("want ID=STATE or ID=STATE/MECHANISM")
	}
	state, mechanism, _ := strings.Cut(want, "/")
	*e = append(*e, expectation{id: id, state: state, mechanism: mechanism})
	return nil
}

func main() {
	server := flag.String("server", "", "the server's root URL, e.g. http://127.0.0.1:8080 (required)")
	active := flag.Int("active", -1, "expected number of active tokens (-1: no check)")
	var expect expectations
	flag.Var(&expect, "expect", "ID=STATE[/MECHANISM] that the server must hold (repeatable)")
	flag.Parse()
	if *server == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	tokens, err := fetchTokens(strings.TrimRight(*server, "/") + "/_test/tokens")
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo-tokens:", err)
		os.Exit(1)
	}
	printTokens(os.Stdout, tokens)
	if problems := check(tokens, expect, *active); len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, "demo-tokens: server check failed:", p)
		}
		os.Exit(1)
	}
}

// fetchTokens reads the listing strictly, so that a listing that changed shape fails loudly.
func fetchTokens(url string) ([]authserver.TokenRecord, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d (is the server running with its test controls?)", url, resp.StatusCode)
	}
	var listing authserver.TokensResponse
	dec := json.NewDecoder(io.LimitReader(resp.Body, 16<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&listing); err != nil {
		return nil, fmt.Errorf("GET %s: unreadable listing: %w", url, err)
	}
	return listing.Tokens, nil
}

// printTokens renders the listing as a table, oldest first, with a summary line.
func printTokens(w io.Writer, tokens []authserver.TokenRecord) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tNAME\tSTATE\tISSUED WITH\tLINEAGE")
	count := map[authserver.TokenState]int{}
	kinds := map[authserver.TokenKind]int{}
	for _, t := range tokens {
		count[t.State]++
		kinds[t.Kind]++
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Kind, orDash(t.Name), t.State, orDash(t.Mechanism), lineage(t))
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "%d tokens minted in total (%d long-term, %d short-term): %d active, %d revoked, %d expired\n",
		len(tokens), kinds[authserver.KindLong], kinds[authserver.KindShort],
		count[authserver.StateActive], count[authserver.StateRevoked], count[authserver.StateExpired])
}

// lineage says where a token comes from and what replaced it.
func lineage(t authserver.TokenRecord) string {
	var parts []string
	if t.ParentTokenID != "" {
		parts = append(parts, "exchanged for "+t.ParentTokenID)
	}
	if t.RotatedFrom != "" {
		parts = append(parts, "replaces "+t.RotatedFrom)
	}
	if t.RotatedTo != "" {
		parts = append(parts, "replaced by "+t.RotatedTo)
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, "; ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// check compares the listing with the expectations and returns what does not match.
func check(tokens []authserver.TokenRecord, expect expectations, active int) []string {
	byID := make(map[string]authserver.TokenRecord, len(tokens))
	live := 0
	for _, t := range tokens {
		byID[t.ID] = t
		if t.State == authserver.StateActive {
			live++
		}
	}
	var problems []string
	for _, e := range expect {
		t, ok := byID[e.id]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("the server holds no token %s", e.id))
		case string(t.State) != e.state:
			problems = append(problems, fmt.Sprintf("token %s is %s, want %s", e.id, t.State, e.state))
		case e.mechanism != "" && t.Mechanism != e.mechanism:
			problems = append(problems, fmt.Sprintf("token %s was issued with %s, want %s", e.id, orDash(t.Mechanism), e.mechanism))
		}
	}
	if active >= 0 && live != active {
		problems = append(problems, fmt.Sprintf("%d tokens are active, want %d", live, active))
	}
	return problems
}
