package check

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// kustomizations are the kustomize roots under deployments/kubernetes: the
// base and each overlay. namespace is what the overlay sets (none for the base).
var kustomizations = []struct{ dir, namespace string }{
	{"../kubernetes/base", ""},
	{"../kubernetes/overlays/staging", "noctuary-staging"},
	{"../kubernetes/overlays/prod", "noctuary-prod"},
}

// rendered is the output of a kustomization, decoded into Kubernetes types.
type rendered struct {
	namespace   string
	deployments []*appsv1.Deployment
	services    []*corev1.Service
	pdbs        []*policyv1.PodDisruptionBudget
	configMaps  []*corev1.ConfigMap
	secrets     []*corev1.Secret
	namespaces  []*corev1.Namespace
	accounts    []*corev1.ServiceAccount
}

// render runs kustomize over dir, as `kubectl apply -k dir` would, and
// decodes each object strictly.
func render(t *testing.T, dir, namespace string) *rendered {
	t.Helper()
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	out := &rendered{namespace: namespace}
	for _, r := range m.Resources() {
		doc, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		obj, known, err := decodeKube(doc)
		if err != nil || !known {
			t.Fatalf("%s: %s: %v (known type: %v)", dir, r.CurId(), err, known)
		}
		switch o := obj.(type) {
		case *appsv1.Deployment:
			out.deployments = append(out.deployments, o)
		case *corev1.Service:
			out.services = append(out.services, o)
		case *policyv1.PodDisruptionBudget:
			out.pdbs = append(out.pdbs, o)
		case *corev1.ConfigMap:
			out.configMaps = append(out.configMaps, o)
		case *corev1.Secret:
			out.secrets = append(out.secrets, o)
		case *corev1.Namespace:
			out.namespaces = append(out.namespaces, o)
		case *corev1.ServiceAccount:
			out.accounts = append(out.accounts, o)
		default:
			t.Fatalf("%s: %T has no invariants here: add them", dir, o)
		}
	}
	return out
}

// TestKustomizations: the base and each overlay render, and hold the
// invariants of a production deployment (problems lists them).
func TestKustomizations(t *testing.T) {
	for _, k := range kustomizations {
		t.Run(path.Base(k.dir), func(t *testing.T) {
			r := render(t, k.dir, k.namespace)
			for _, p := range r.problems() {
				t.Error(p)
			}
		})
	}
}

// TestOverlaysDiffer: the overlays are what they claim: their own
// namespace, image and configuration, and prod has more replicas than
// staging.
func TestOverlaysDiffer(t *testing.T) {
	staging := render(t, kustomizations[1].dir, kustomizations[1].namespace)
	prod := render(t, kustomizations[2].dir, kustomizations[2].namespace)
	if *prod.deployments[0].Spec.Replicas <= *staging.deployments[0].Spec.Replicas {
		t.Errorf("prod has %d replicas, staging %d: want more in prod", *prod.deployments[0].Spec.Replicas, *staging.deployments[0].Spec.Replicas)
	}
	sc, pc := staging.configMaps[0].Data["noctuary.yaml"], prod.configMaps[0].Data["noctuary.yaml"]
	if !strings.Contains(sc, "environment: staging") || !strings.Contains(pc, "environment: prod") {
		t.Errorf("each overlay must carry its own configuration file:\nstaging:\n%s\nprod:\n%s", sc, pc)
	}
}

// TestInvariantsCatch: each invariant fails on a rendering that breaks it,
// so that TestKustomizations cannot pass for nothing.
func TestInvariantsCatch(t *testing.T) {
	k := kustomizations[2]
	prod := render(t, k.dir, k.namespace)
	if p := prod.problems(); len(p) > 0 {
		t.Fatalf("the prod rendering breaks invariants before any change: %q", p)
	}
	for _, tc := range []struct {
		name, want string
		breakIt    func(r *rendered)
	}{
		{"one replica", "replicas", func(r *rendered) { *r.deployments[0].Spec.Replicas = 1 }},
		{"no readiness probe", "readiness probe", func(r *rendered) { r.container().ReadinessProbe = nil }},
		{"liveness on /readyz", "liveness probe", func(r *rendered) { r.container().LivenessProbe.HTTPGet.Path = "/readyz" }},
		{"writable root", "readOnlyRootFilesystem", func(r *rendered) { r.container().SecurityContext.ReadOnlyRootFilesystem = nil }},
		{"capability kept", "drop ALL", func(r *rendered) { r.container().SecurityContext.Capabilities.Drop = nil }},
		{"escalation", "allowPrivilegeEscalation", func(r *rendered) { f := true; r.container().SecurityContext.AllowPrivilegeEscalation = &f }},
		{"root", "runAsNonRoot", func(r *rendered) {
			r.deployments[0].Spec.Template.Spec.SecurityContext.RunAsNonRoot = nil
			r.container().SecurityContext.RunAsNonRoot = nil
		}},
		{"no seccomp", "seccomp", func(r *rendered) {
			r.deployments[0].Spec.Template.Spec.SecurityContext.SeccompProfile = nil
			r.container().SecurityContext.SeccompProfile = nil
		}},
		{"no memory limit", "limits", func(r *rendered) { delete(r.container().Resources.Limits, corev1.ResourceMemory) }},
		{"memory limit raised alone", "GOMEMLIMIT", func(r *rendered) {
			r.container().Resources.Limits[corev1.ResourceMemory] = resource.MustParse("4Gi")
		}},
		{"no GOMEMLIMIT", "GOMEMLIMIT", func(r *rendered) {
			r.container().Env = slices.DeleteFunc(r.container().Env, func(e corev1.EnvVar) bool { return e.Name == "GOMEMLIMIT" })
		}},
		{"secret in env", "NOCTUARY_ADMIN_TOKEN", func(r *rendered) {
			env := r.container().Env
			for i := range env {
				if env[i].Name == "NOCTUARY_ADMIN_TOKEN" {
					env[i].Value, env[i].ValueFrom = "hunter2", nil
				}
			}
		}},
		{"secret object", "Secret", func(r *rendered) { r.secrets = append(r.secrets, &corev1.Secret{}) }},
		{"config variable without env", "${PD_TOKEN}", func(r *rendered) {
			r.container().Env = slices.DeleteFunc(r.container().Env, func(e corev1.EnvVar) bool { return e.Name == "PD_TOKEN" })
		}},
		{"PDB blocks drains", "PodDisruptionBudget", func(r *rendered) {
			v := intstr.FromInt32(*r.deployments[0].Spec.Replicas)
			r.pdbs[0].Spec.MinAvailable = &v
		}},
		{"PDB selects nothing", "PodDisruptionBudget", func(r *rendered) { r.pdbs[0].Spec.Selector.MatchLabels = map[string]string{"app": "other"} }},
		{"Service selects nothing", "Service", func(r *rendered) { r.services[0].Spec.Selector = map[string]string{"app": "other"} }},
		{"latest image", "image", func(r *rendered) { r.container().Image = "registry.example.com/noctuary:latest" }},
		{"wrong namespace", "namespace", func(r *rendered) { r.services[0].Namespace = "default" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := prod.clone()
			tc.breakIt(r)
			problems := strings.Join(r.problems(), "\n")
			if !strings.Contains(problems, tc.want) {
				t.Fatalf("problems %q do not mention %q", problems, tc.want)
			}
		})
	}
}

// clone returns a deep copy of r, to break without touching r.
func (r *rendered) clone() *rendered {
	return &rendered{
		namespace:   r.namespace,
		deployments: deepCopies(r.deployments),
		services:    deepCopies(r.services),
		pdbs:        deepCopies(r.pdbs),
		configMaps:  deepCopies(r.configMaps),
		secrets:     deepCopies(r.secrets),
		namespaces:  deepCopies(r.namespaces),
		accounts:    deepCopies(r.accounts),
	}
}

// deepCopies deep-copies each object of objs.
func deepCopies[T interface{ DeepCopy() T }](objs []T) []T {
	out := make([]T, len(objs))
	for i, o := range objs {
		out[i] = o.DeepCopy()
	}
	return out
}

// container is the Deployment's noctuary container.
func (r *rendered) container() *corev1.Container {
	for i, c := range r.deployments[0].Spec.Template.Spec.Containers {
		if c.Name == "noctuary" {
			return &r.deployments[0].Spec.Template.Spec.Containers[i]
		}
	}
	return nil
}

// secretish names environment variables that must come from a Secret.
var secretish = regexp.MustCompile(`TOKEN|SECRET|KEY|PASSWORD|REDIS_URL`)

// configVar matches ${NAME} in the configuration file.
var configVar = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// problems lists every invariant the rendering breaks, one sentence each.
func (r *rendered) problems() []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	if len(r.deployments) != 1 || r.container() == nil {
		return []string{fmt.Sprintf("want one Deployment with a container noctuary, got %d Deployments", len(r.deployments))}
	}
	d := r.deployments[0]
	pod := d.Spec.Template.Spec
	c := r.container()
	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		add("Deployment: want replicas >= 2, got %v", d.Spec.Replicas)
	}
	replicas := int32(1)
	if d.Spec.Replicas != nil {
		replicas = *d.Spec.Replicas
	}
	p = append(p, probeProblems(c)...)
	p = append(p, securityProblems(pod, c)...)
	p = append(p, resourceProblems(c)...)
	if name, tag, ok := strings.Cut(path.Base(c.Image), ":"); !ok || tag == "" || tag == "latest" || name == "" {
		add("container image %q: want a pinned tag (not latest)", c.Image)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		add("pod: want automountServiceAccountToken: false (Noctuary calls no Kubernetes API)")
	}
	p = append(p, r.envProblems(c)...)
	if len(r.secrets) > 0 {
		add("the rendering holds %d Secret object(s): secret values never go in git; reference a Secret created apart", len(r.secrets))
	}
	podLabels := d.Spec.Template.Labels
	if len(r.pdbs) != 1 {
		add("want one PodDisruptionBudget, got %d", len(r.pdbs))
	} else {
		pdb := r.pdbs[0]
		if pdb.Spec.Selector == nil || !selects(pdb.Spec.Selector.MatchLabels, podLabels) {
			add("PodDisruptionBudget: its selector does not select the Deployment's pods")
		}
		switch {
		case pdb.Spec.MinAvailable != nil && pdb.Spec.MinAvailable.Type == intstr.Int:
			if n := pdb.Spec.MinAvailable.IntVal; n < 1 || n >= replicas {
				add("PodDisruptionBudget: minAvailable %d with %d replicas: want 1 <= minAvailable < replicas, or no node can be drained", n, replicas)
			}
		case pdb.Spec.MaxUnavailable != nil && pdb.Spec.MaxUnavailable.Type == intstr.Int && pdb.Spec.MaxUnavailable.IntVal >= 1:
		default:
			add("PodDisruptionBudget: want an integer minAvailable or maxUnavailable >= 1")
		}
	}
	if len(r.services) != 1 {
		add("want one Service, got %d", len(r.services))
	} else {
		s := r.services[0]
		if !selects(s.Spec.Selector, podLabels) {
			add("Service: its selector %v does not select the Deployment's pods %v", s.Spec.Selector, podLabels)
		}
		for _, sp := range s.Spec.Ports {
			if !hasPort(c, sp.TargetPort) {
				add("Service port %s: targetPort %s is not a port of the container", sp.Name, sp.TargetPort.String())
			}
		}
	}
	if r.namespace != "" {
		if len(r.namespaces) != 1 || r.namespaces[0].Name != r.namespace {
			add("want the Namespace %s in the rendering", r.namespace)
		}
		for _, o := range r.namespaced() {
			if o[1] != r.namespace {
				add("%s is in namespace %q, want %q", o[0], o[1], r.namespace)
			}
		}
	}
	return p
}

// namespaced lists the namespaced objects as {kind/name, namespace}.
func (r *rendered) namespaced() [][2]string {
	var out [][2]string
	for _, o := range r.deployments {
		out = append(out, [2]string{"Deployment/" + o.Name, o.Namespace})
	}
	for _, o := range r.services {
		out = append(out, [2]string{"Service/" + o.Name, o.Namespace})
	}
	for _, o := range r.pdbs {
		out = append(out, [2]string{"PodDisruptionBudget/" + o.Name, o.Namespace})
	}
	for _, o := range r.configMaps {
		out = append(out, [2]string{"ConfigMap/" + o.Name, o.Namespace})
	}
	for _, o := range r.accounts {
		out = append(out, [2]string{"ServiceAccount/" + o.Name, o.Namespace})
	}
	return out
}

func probeProblems(c *corev1.Container) []string {
	var p []string
	for _, pr := range []struct {
		what, path string
		probe      *corev1.Probe
	}{{"liveness probe", "/healthz", c.LivenessProbe}, {"readiness probe", "/readyz", c.ReadinessProbe}} {
		if pr.probe == nil || pr.probe.HTTPGet == nil || pr.probe.HTTPGet.Path != pr.path || !hasPort(c, pr.probe.HTTPGet.Port) {
			p = append(p, fmt.Sprintf("container: want a %s GET %s on a container port", pr.what, pr.path))
		}
	}
	return p
}

// securityProblems checks the restricted Pod Security Standard's points;
// a pod-level setting counts for the container where Kubernetes lets it.
func securityProblems(pod corev1.PodSpec, c *corev1.Container) []string {
	var p []string
	psc, sc := pod.SecurityContext, c.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	if sc == nil {
		sc = &corev1.SecurityContext{}
	}
	isTrue := func(b *bool) bool { return b != nil && *b }
	if !isTrue(sc.RunAsNonRoot) && !(sc.RunAsNonRoot == nil && isTrue(psc.RunAsNonRoot)) {
		p = append(p, "container: want runAsNonRoot: true")
	}
	if !isTrue(sc.ReadOnlyRootFilesystem) {
		p = append(p, "container: want readOnlyRootFilesystem: true")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		p = append(p, "container: want allowPrivilegeEscalation: false")
	}
	if isTrue(sc.Privileged) {
		p = append(p, "container: privileged")
	}
	if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
		p = append(p, "container: want capabilities drop ALL and add none")
	}
	seccomp := sc.SeccompProfile
	if seccomp == nil {
		seccomp = psc.SeccompProfile
	}
	if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
		p = append(p, "pod or container: want seccompProfile RuntimeDefault")
	}
	return p
}

func resourceProblems(c *corev1.Container) []string {
	var p []string
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, okReq := c.Resources.Requests[name]
		lim, okLim := c.Resources.Limits[name]
		switch {
		case !okReq || !okLim:
			p = append(p, fmt.Sprintf("container: want requests and limits of %s", name))
		case req.Cmp(lim) > 0 || req.Cmp(resource.Quantity{}) <= 0:
			p = append(p, fmt.Sprintf("container: %s request %s must be positive and at most its limit %s", name, req.String(), lim.String()))
		}
	}
	return append(p, memLimitProblems(c)...)
}

// memLimitProblems: GOMEMLIMIT is set to 70–95 % of the memory limit, so
// that the Go collector works harder before the kernel kills the process
// (the correlation memo and the window cache hold up to ≈ 130 MB).
func memLimitProblems(c *corev1.Container) []string {
	lim, ok := c.Resources.Limits[corev1.ResourceMemory]
	if !ok {
		return nil
	}
	for _, e := range c.Env {
		if e.Name != "GOMEMLIMIT" {
			continue
		}
		q, err := resource.ParseQuantity(strings.TrimSuffix(e.Value, "B"))
		if err != nil {
			return []string{fmt.Sprintf("env GOMEMLIMIT %q: want a size such as 460MiB", e.Value)}
		}
		if r := float64(q.Value()) / float64(lim.Value()); r < 0.7 || r > 0.95 {
			return []string{fmt.Sprintf("env GOMEMLIMIT %s is %.0f %% of the memory limit %s: want 70–95 %%", e.Value, 100*r, lim.String())}
		}
		return nil
	}
	return []string{"container: want env GOMEMLIMIT at 70–95 % of the memory limit"}
}

// envProblems: secrets come from secretKeyRef, never literal values; the
// configuration file is the ConfigMap mounted where NOCTUARY_CONFIG says;
// each ${NAME} it uses is in the container's environment.
func (r *rendered) envProblems(c *corev1.Container) []string {
	var p []string
	env := map[string]bool{}
	configPath := ""
	for _, e := range c.Env {
		env[e.Name] = true
		if e.Name == "NOCTUARY_CONFIG" {
			configPath = e.Value
		}
		if secretish.MatchString(e.Name) && (e.Value != "" || e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
			p = append(p, fmt.Sprintf("env %s: want valueFrom.secretKeyRef, never a value in the manifest", e.Name))
		}
	}
	config, ok := r.mountedConfig(c, configPath)
	if !ok {
		return append(p, fmt.Sprintf("NOCTUARY_CONFIG %q is not a key of a rendered ConfigMap mounted in the container", configPath))
	}
	var values any
	if err := yaml.Unmarshal([]byte(config), &values); err != nil {
		return append(p, fmt.Sprintf("the configuration file is not YAML: %v", err))
	}
	for _, s := range stringsIn(values) {
		for _, m := range configVar.FindAllStringSubmatch(s, -1) {
			if !env[m[1]] {
				p = append(p, fmt.Sprintf("the configuration file uses ${%s}, which the container's env lacks (start-up would fail)", m[1]))
			}
		}
	}
	return p
}

// stringsIn returns every string value (not key) of a decoded YAML document.
func stringsIn(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, stringsIn(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, e := range v {
			out = append(out, stringsIn(e)...)
		}
		return out
	}
	return nil
}

// mountedConfig returns the content of file as the container sees it, when
// it is a key of a rendered ConfigMap mounted there.
func (r *rendered) mountedConfig(c *corev1.Container, file string) (string, bool) {
	for _, m := range c.VolumeMounts {
		if path.Dir(file) != path.Clean(m.MountPath) {
			continue
		}
		for _, v := range r.deployments[0].Spec.Template.Spec.Volumes {
			if v.Name != m.Name || v.ConfigMap == nil {
				continue
			}
			for _, cm := range r.configMaps {
				if data, ok := cm.Data[path.Base(file)]; ok && cm.Name == v.ConfigMap.Name {
					return data, true
				}
			}
		}
	}
	return "", false
}

// selects reports whether the non-empty selector matches labels.
func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// hasPort reports whether port names or numbers a port of c.
func hasPort(c *corev1.Container, port intstr.IntOrString) bool {
	for _, cp := range c.Ports {
		if (port.Type == intstr.String && port.StrVal == cp.Name) || (port.Type == intstr.Int && port.IntVal == cp.ContainerPort) {
			return true
		}
	}
	return false
}
