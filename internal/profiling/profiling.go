// Package profiling lets `make bench -profile DIR` (cmd/bench) profile a provider process
// that Terraform starts: when the environment variable DirEnv names a directory, Start
// writes a CPU profile of the process there until the returned stop is called, and stop
// adds an allocation profile. Unset (always, outside the bench), Start does nothing.
package profiling

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime/pprof"
)

// DirEnv names the directory that receives cpu-PID.pprof and allocs-PID.pprof.
const DirEnv = "BENCH_PROFILE_DIR"

// Start begins a CPU profile if DirEnv is set. A profile that cannot be written is logged,
// never fatal: profiling must not change what the process does.
func Start() (stop func()) {
	dir := os.Getenv(DirEnv)
	if dir == "" {
		return func() {}
	}
	pid := os.Getpid()
	cpu, err := os.Create(filepath.Join(dir, fmt.Sprintf("cpu-%d.pprof", pid))) //nolint:gosec // G304: the directory the bench named
	if err != nil {
		log.Printf("profiling: %v", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		log.Printf("profiling: %v", err)
		_ = cpu.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		_ = cpu.Close()
		allocs, err := os.Create(filepath.Join(dir, fmt.Sprintf("allocs-%d.pprof", pid))) //nolint:gosec // G304: as above
		if err != nil {
			log.Printf("profiling: %v", err)
			return
		}
		if err := pprof.Lookup("allocs").WriteTo(allocs, 0); err != nil {
			log.Printf("profiling: %v", err)
		}
		_ = allocs.Close()
	}
}
