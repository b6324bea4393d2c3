// Package usage is the file through which the bench's shim (cmd/bench/shim) hands each
// provider process's resource usage to the bench: one JSON line per process, appended to
// the file that FileEnv names.
package usage

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

// FileEnv names the environment variable that tells the shim where to append.
const FileEnv = "BENCH_RUSAGE_FILE"

// Record is one provider process's usage, from wait4.
type Record struct {
	UserNS    int64 `json:"user_ns"`
	SysNS     int64 `json:"sys_ns"`
	MaxRSSKiB int64 `json:"max_rss_kib"`
}

// Append adds r to the file at path as one write with O_APPEND, so that the records of
// provider processes running at once never interleave.
func Append(path string, r Record) error {
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600) //nolint:gosec // G703: the file the bench named
	if err != nil {
		return err
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// Read returns every record of the file at path.
func Read(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var records []Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		records = append(records, r)
	}
	return records, sc.Err()
}
