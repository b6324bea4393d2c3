package contracttest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/example/terraform-provider-auth/api"
)

// MaxBodyBytes bounds how much of a request or response body is buffered for
// validation. A larger body is passed on untouched and is not validated.
const MaxBodyBytes = 1 << 20

// BasePath is the path prefix of the API: the contract's server URL is
// https://api.example.com/v1, and routing accepts any host with this prefix.
const BasePath = "/v1"

// testPathPrefix marks paths that are never validated (test-only controls of a server).
const testPathPrefix = "/_test/"

// contract is the parsed specification, shared by every Validator of the process.
type contract struct {
	doc    *openapi3.T
	router routers.Router
	opts   *openapi3filter.Options
}

var (
	specOnce sync.Once
	spec     *contract
	specErr  error
)

// loadContract parses api.OpenAPI once per process.
func loadContract() (*contract, error) {
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		loader.IsExternalRefsAllowed = false
		doc, err := loader.LoadFromData(api.OpenAPI)
		if err != nil {
			specErr = fmt.Errorf("contracttest: parsing api/openapi.yaml: %w", err)
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			specErr = fmt.Errorf("contracttest: api/openapi.yaml is not a valid OpenAPI document: %w", err)
			return
		}
		// Route on the path only: the declared server is https://api.example.com/v1, while
		// tests talk to httptest servers on random local ports.
		doc.Servers = openapi3.Servers{{URL: BasePath}}
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			specErr = fmt.Errorf("contracttest: building the router: %w", err)
			return
		}
		spec = &contract{
			doc:    doc,
			router: router,
			opts: &openapi3filter.Options{
				IncludeResponseStatus:             true, // an undeclared status is a violation
				MultiError:                        true, // report every problem, not the first
				SkipSettingDefaults:               true, // never rewrite the traffic
				RejectWhenRequestBodyNotSpecified: true, // revoke takes no body
				AuthenticationFunc:                authenticate,
			},
		}
	})
	return spec, specErr
}

// Validator validates the traffic of one test against the contract. It is safe for
// concurrent use; create it with New.
type Validator struct {
	tb       testing.TB
	contract *contract

	mu         sync.Mutex
	violations []string
	finished   bool // the cleanup has reported; tb must not be used any more
}

// New returns a Validator bound to tb. It parses the contract once per process and
// registers a tb.Cleanup that reports every violation found with tb.Errorf. Call New
// before starting the servers it wraps, so that their cleanups (which wait for
// in-flight handlers) run before the report.
func New(tb testing.TB) *Validator {
	tb.Helper()
	c, err := loadContract()
	if err != nil {
		tb.Fatalf("%v", err)
		return nil
	}
	v := &Validator{tb: tb, contract: c}
	tb.Cleanup(v.report)
	return v
}

// Violations returns what was found so far, in the order it was found.
func (v *Validator) Violations() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.violations...)
}

func (v *Validator) record(found []string) {
	if len(found) == 0 {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.violations = append(v.violations, found...)
	if v.finished {
		// The test is over: tb may no longer be used. Say it somewhere visible.
		for _, s := range found {
			fmt.Fprintf(os.Stderr, "contracttest: contract violation after the end of %s: %s\n", v.tb.Name(), s)
		}
	}
}

func (v *Validator) report() {
	v.mu.Lock()
	v.finished = true
	found := append([]string(nil), v.violations...)
	v.mu.Unlock()
	for _, s := range found {
		v.tb.Errorf("contract violation: %s", s)
	}
}

// logf logs through tb while the test runs (holding the lock, so that the test cannot end
// in between) and drops the line afterwards.
func (v *Validator) logf(format string, args ...any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.finished {
		v.tb.Logf(format, args...)
	}
}
