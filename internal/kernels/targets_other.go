//go:build purego || !(amd64 || arm64 || arm)

package kernels

// simdTargets is empty: this build has no assembly kernels.
var simdTargets []*target
