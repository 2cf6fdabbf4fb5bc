//go:build tools

// Package tools records the ghz command the benchmark builds.
package tools

import _ "github.com/bojand/ghz/cmd/ghz"
