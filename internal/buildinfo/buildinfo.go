// Package buildinfo says which code a binary was built from, for `growthlens version`, the
// server's /healthz and growthlens_build_info metric, and the code version kept in every run
// record and model version.
//
// The version comes from, in order: the linker (`make build` passes `git describe --always
// --dirty` with -X, which works whatever GOFLAGS says about -buildvcs), the VCS stamp Go puts
// in the build info (`go build` in a git checkout with -buildvcs on), the module version (`go
// install …@v1.2.3`), or else "dev". It reads nothing but the binary's own build info.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Set by the linker: go build -ldflags "-X github.com/growthlens/growthlens/internal/buildinfo.version=V
// -X github.com/growthlens/growthlens/internal/buildinfo.revision=R".
var version, revision string

// Info is what a binary knows of its build.
type Info struct {
	// Version is the code version: a git description (v1.2.0-3-g1a2b3c4d5e6f, or a commit's
	// first 12 hex digits), with "-dirty" when the tree had uncommitted changes; "dev" when
	// the binary carries no version.
	Version string `json:"version"`
	// Revision is the full commit hash, when known.
	Revision string `json:"revision,omitempty"`
	// Go is the toolchain that built the binary.
	Go string `json:"go"`
}

// Read returns the running binary's Info.
func Read() Info {
	bi, _ := debug.ReadBuildInfo()
	return fromBuild(bi, version, revision)
}

// fromBuild is Read with the build info and the linker's values as arguments, for tests.
func fromBuild(bi *debug.BuildInfo, ldVersion, ldRevision string) Info {
	info := Info{Version: ldVersion, Revision: ldRevision, Go: runtime.Version()}
	if bi == nil {
		if info.Version == "" {
			info.Version = "dev"
		}
		return info
	}
	if bi.GoVersion != "" {
		info.Go = bi.GoVersion
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if info.Revision == "" {
		info.Revision = rev
	}
	switch {
	case info.Version != "":
	case rev != "":
		info.Version = rev[:min(len(rev), 12)]
		if dirty {
			info.Version += "-dirty"
		}
	case bi.Main.Version != "" && bi.Main.Version != "(devel)":
		info.Version = bi.Main.Version
	default:
		info.Version = "dev"
	}
	return info
}
