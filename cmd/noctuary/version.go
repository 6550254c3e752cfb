package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// buildVersion is set at link time: go build -ldflags "-X main.buildVersion=v1.2.3"
// (make build does). Empty, the module version and VCS revision recorded by
// the Go toolchain are used.
var buildVersion string

// version is the version of this binary, "devel" when nothing recorded it.
func version() string {
	if buildVersion != "" {
		return buildVersion
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v := info.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision" && len(s.Value) >= 12:
			rev = s.Value[:12]
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "-dirty"
		}
	}
	if rev != "" && v == "devel" {
		v += "+" + rev + dirty
	}
	return v
}

func printVersion(out io.Writer) {
	fmt.Fprintf(out, "noctuary %s (%s)\n", version(), runtime.Version())
}
