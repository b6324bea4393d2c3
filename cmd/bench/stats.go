//go:build linux

package main

import (
	"slices"
	"time"
)

// median returns the middle value (the mean of the two middle ones for an even count).
func median[T ~int64](values []T) T {
	if len(values) == 0 {
		return 0
	}
	s := slices.Clone(values)
	slices.Sort(s)
	mid := len(s) / 2
	if len(s)%2 == 1 {
		return s[mid]
	}
	return (s[mid-1] + s[mid]) / 2
}

// results indexes the samples by kind, step and size.
type results map[resultKey][]sample

type resultKey struct {
	kind, step string
	n          int
}

func collect(samples []sample) results {
	r := results{}
	for _, s := range samples {
		k := resultKey{s.Kind, s.Step, s.N}
		r[k] = append(r[k], s)
	}
	return r
}

// durations extracts one measure of the samples of a key.
func (r results) durations(kind, step string, n int, of func(sample) time.Duration) []time.Duration {
	var out []time.Duration
	for _, s := range r[resultKey{kind, step, n}] {
		out = append(out, of(s))
	}
	return out
}

func (r results) median(kind, step string, n int, of func(sample) time.Duration) time.Duration {
	return median(r.durations(kind, step, n, of))
}

func (r results) medianRSS(kind, step string, n int) int64 {
	var rss []int64
	for _, s := range r[resultKey{kind, step, n}] {
		rss = append(rss, s.ProviderRSSKiB)
	}
	return median(rss)
}

func wall(s sample) time.Duration        { return s.Wall }
func totalCPU(s sample) time.Duration    { return s.TotalCPU }
func providerCPU(s sample) time.Duration { return s.ProviderCPU }
func serverCPU(s sample) time.Duration   { return s.ServerCPU }

// ratio is a/b, or 0 when b is 0.
func ratio[T ~int64](a, b T) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
