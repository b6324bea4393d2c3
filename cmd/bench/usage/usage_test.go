package usage

import (
	"path/filepath"
	"slices"
	"testing"
)

// What the shim appends is what the bench reads, record by record.
func TestAppendThenRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rusage.jsonl")
	want := []Record{{UserNS: 1, SysNS: 2, MaxRSSKiB: 3}, {UserNS: 40, SysNS: 50, MaxRSSKiB: 60}}
	for _, r := range want {
		if err := Append(path, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Read(path)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("Read = %v, %v; want %v", got, err, want)
	}
}
