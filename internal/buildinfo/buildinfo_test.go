package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestFromBuild(t *testing.T) {
	const rev = "0123456789abcdef0123456789abcdef01234567"
	vcs := func(modified string) *debug.BuildInfo {
		return &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}}
	}
	for _, c := range []struct {
		name         string
		bi           *debug.BuildInfo
		ldVer, ldRev string
		want         Info
	}{
		{"the linker's values win", vcs("false"), "v1.2.0-3-gabc", "fedcba", Info{"v1.2.0-3-gabc", "fedcba", "go1.26.0"}},
		{"the linker's version, the stamped revision", vcs("false"), "6fe3226-dirty", "", Info{"6fe3226-dirty", rev, "go1.26.0"}},
		{"VCS stamp", vcs("false"), "", "", Info{"0123456789ab", rev, "go1.26.0"}},
		{"VCS stamp of a modified tree", vcs("true"), "", "", Info{"0123456789ab-dirty", rev, "go1.26.0"}},
		{"go install of a tagged module", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v0.3.1"}}, "", "", Info{"v0.3.1", "", "go1.26.0"}},
		{"nothing known", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}, "", "", Info{"dev", "", "go1.26.0"}},
	} {
		if got := fromBuild(c.bi, c.ldVer, c.ldRev); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
	if got := fromBuild(nil, "", ""); got.Version != "dev" || got.Go == "" {
		t.Errorf("no build info: got %+v, want version dev and the running Go", got)
	}
}
