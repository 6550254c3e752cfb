package check

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd, args string
	stage     int // index of the FROM it follows (0 is the first stage)
}

// parseDockerfile splits a Dockerfile into instructions; comments and blank
// lines are left out.
func parseDockerfile(text string) []instruction {
	var out []instruction
	stage, cont := -1, ""
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if cont == "" && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, `\`) {
			cont += strings.TrimSuffix(trimmed, `\`) + " "
			continue
		}
		full := cont + trimmed
		cont = ""
		cmd, args, _ := strings.Cut(full, " ")
		cmd = strings.ToUpper(cmd)
		if cmd == "FROM" {
			stage++
		}
		out = append(out, instruction{cmd: cmd, args: strings.TrimSpace(args), stage: stage})
	}
	return out
}

// dockerfileProblems lists what keeps the Dockerfile from building a small,
// static, non-root image with a health check.
func dockerfileProblems(text string) []string {
	var p []string
	ins := parseDockerfile(text)
	last := -1
	for _, in := range ins {
		last = max(last, in.stage)
	}
	if last < 1 {
		return []string{"want a multi-stage build (a build stage, then a runtime stage)"}
	}
	final := func(cmd string) []instruction {
		var out []instruction
		for _, in := range ins {
			if in.stage == last && in.cmd == cmd {
				out = append(out, in)
			}
		}
		return out
	}
	from := final("FROM")[0].args
	if !strings.HasPrefix(from, "gcr.io/distroless/static") && from != "scratch" {
		p = append(p, fmt.Sprintf("runtime stage FROM %s: want distroless static or scratch", from))
	}
	users := final("USER")
	if len(users) == 0 {
		p = append(p, "runtime stage: want a USER")
	} else if u, _, _ := strings.Cut(users[len(users)-1].args, ":"); u == "root" || u == "0" || u == "" {
		p = append(p, fmt.Sprintf("runtime stage: USER %s is root", users[len(users)-1].args))
	}
	hc := final("HEALTHCHECK")
	if len(hc) == 0 || !strings.Contains(hc[0].args, "CMD [") || !strings.Contains(hc[0].args, `"healthcheck"`) {
		p = append(p, "runtime stage: want HEALTHCHECK CMD [\".../noctuary\", \"healthcheck\"] (exec form: the image has no shell)")
	}
	if ep := final("ENTRYPOINT"); len(ep) == 0 || !strings.HasPrefix(ep[0].args, "[") {
		p = append(p, "runtime stage: want an ENTRYPOINT in exec form")
	}
	if cp := final("COPY"); len(cp) == 0 || !strings.Contains(cp[0].args, "--from=") {
		p = append(p, "runtime stage: want the binary COPY --from the build stage")
	}
	built := false
	for _, in := range ins {
		if in.stage < last && in.cmd == "RUN" && strings.Contains(in.args, "go build") {
			built = true
			for _, flag := range []string{"CGO_ENABLED=0", "-trimpath", "-X main.buildVersion=", "./cmd/noctuary"} {
				if !strings.Contains(in.args, flag) {
					p = append(p, fmt.Sprintf("build stage: go build lacks %s", flag))
				}
			}
		}
	}
	if !built {
		p = append(p, "build stage: want a RUN go build")
	}
	return p
}

// TestDockerfile: deployments/Dockerfile builds a static binary in one stage
// and runs it as non-root in distroless with a health check.
func TestDockerfile(t *testing.T) {
	data, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range dockerfileProblems(string(data)) {
		t.Error(p)
	}
}

// TestDockerfileProblems: each check fails on a Dockerfile that breaks it.
func TestDockerfileProblems(t *testing.T) {
	good, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"single stage", "FROM gcr.io/distroless/static-debian12:nonroot", "", "multi-stage"},
		{"root user", "USER 65532:65532", "USER root", "is root"},
		{"no user", "USER 65532:65532", "", "want a USER"},
		{"no health check", "HEALTHCHECK", "# HEALTHCHECK", "HEALTHCHECK"},
		{"shell image", "gcr.io/distroless/static-debian12:nonroot", "debian:12", "distroless"},
		{"cgo", "CGO_ENABLED=0", "CGO_ENABLED=1", "CGO_ENABLED=0"},
		{"no version", "-X main.buildVersion=", "-X main.other=", "buildVersion"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := string(good)
			if tc.name == "single stage" {
				text = text[strings.Index(text, tc.from):]
			} else {
				text = strings.Replace(text, tc.from, tc.to, 1)
			}
			if p := strings.Join(dockerfileProblems(text), "\n"); !strings.Contains(p, tc.want) {
				t.Fatalf("problems %q do not mention %q", p, tc.want)
			}
		})
	}
}

// composeFile is the part of docker-compose.yml that the test checks.
type composeFile struct {
	Services map[string]struct {
		Image       string            `json:"image"`
		Command     []string          `json:"command"`
		Environment map[string]string `json:"environment"`
		Volumes     []string          `json:"volumes"`
		ReadOnly    bool              `json:"read_only"`
		CapDrop     []string          `json:"cap_drop"`
		Build       struct {
			Context    string `json:"context"`
			Dockerfile string `json:"dockerfile"`
		} `json:"build"`
	} `json:"services"`
	Volumes map[string]any `json:"volumes"`
}

// TestCompose: Redis keeps an append-only file on a named volume; Noctuary
// is built from the Dockerfile, reaches that Redis, and reads a configuration
// file that exists, mounted where NOCTUARY_CONFIG says.
func TestCompose(t *testing.T) {
	data, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	redis, app := c.Services["redis"], c.Services["noctuary"]
	if i := slices.Index(redis.Command, "--appendonly"); i < 0 || i+1 >= len(redis.Command) || redis.Command[i+1] != "yes" {
		t.Errorf("redis command %q: want --appendonly yes", redis.Command)
	}
	dataVolume := ""
	for _, v := range redis.Volumes {
		if name, target, _ := strings.Cut(v, ":"); target == "/data" {
			dataVolume = name
		}
	}
	if _, ok := c.Volumes[dataVolume]; !ok {
		t.Errorf("redis volumes %q: want a named volume (declared under volumes:) on /data, where the AOF lives", redis.Volumes)
	}
	if url := app.Environment["NOCTUARY_REDIS_URL"]; !strings.HasPrefix(url, "redis://redis:") {
		t.Errorf("NOCTUARY_REDIS_URL %q: want the compose file's redis service", url)
	}
	dockerfile := filepath.Join("..", app.Build.Context, app.Build.Dockerfile)
	built, err := os.Stat(dockerfile)
	ours, err2 := os.Stat("../Dockerfile")
	if err != nil || err2 != nil || !os.SameFile(built, ours) {
		t.Errorf("build %+v: want deployments/Dockerfile from the repository root (%v)", app.Build, err)
	}
	mounted := false
	for _, v := range app.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 && parts[1] == app.Environment["NOCTUARY_CONFIG"] {
			if _, err := os.Stat(filepath.Join("..", parts[0])); err != nil {
				t.Errorf("the configuration file mounted from %s: %v", parts[0], err)
			}
			mounted = true
		}
	}
	if !mounted {
		t.Errorf("NOCTUARY_CONFIG %q is not a file mounted into the noctuary service (%q)", app.Environment["NOCTUARY_CONFIG"], app.Volumes)
	}
	if !app.ReadOnly || !slices.Contains(app.CapDrop, "ALL") {
		t.Errorf("noctuary service: want read_only: true and cap_drop: [ALL]")
	}
}
