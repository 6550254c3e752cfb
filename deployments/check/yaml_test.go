package check

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// deploymentsDir is deployments/, seen from this module's folder.
const deploymentsDir = ".."

// kubeTypes are the Kubernetes objects deployments/ may hold, by apiVersion
// and kind, as their Go types: each is decoded strictly, so an unknown or
// misplaced field fails.
var kubeTypes = map[string]func() any{
	"apps/v1 Deployment":            func() any { return &appsv1.Deployment{} },
	"v1 Service":                    func() any { return &corev1.Service{} },
	"v1 ConfigMap":                  func() any { return &corev1.ConfigMap{} },
	"v1 Secret":                     func() any { return &corev1.Secret{} },
	"v1 ServiceAccount":             func() any { return &corev1.ServiceAccount{} },
	"v1 Namespace":                  func() any { return &corev1.Namespace{} },
	"policy/v1 PodDisruptionBudget": func() any { return &policyv1.PodDisruptionBudget{} },
	"rbac.authorization.k8s.io/v1 ClusterRole":        func() any { return &rbacv1.ClusterRole{} },
	"rbac.authorization.k8s.io/v1 ClusterRoleBinding": func() any { return &rbacv1.ClusterRoleBinding{} },
	"rbac.authorization.k8s.io/v1 Role":               func() any { return &rbacv1.Role{} },
	"rbac.authorization.k8s.io/v1 RoleBinding":        func() any { return &rbacv1.RoleBinding{} },
}

// coreGroups are the API groups whose objects must be in kubeTypes; objects
// of other groups (Argo CD's Application, kustomize's Kustomization) are only
// parsed.
var coreGroups = map[string]bool{"v1": true, "apps": true, "policy": true, "rbac.authorization.k8s.io": true, "batch": true, "networking.k8s.io": true, "autoscaling": true}

// decodeKube decodes one YAML document. known is false for a document that
// is not a Kubernetes object of a core group (a rule file, a compose file, a
// custom resource): it was only parsed.
func decodeKube(doc []byte) (obj any, known bool, err error) {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := yaml.Unmarshal(doc, &head); err != nil {
		return nil, false, err
	}
	group, _, _ := strings.Cut(head.APIVersion, "/")
	if !strings.Contains(head.APIVersion, "/") {
		group = head.APIVersion
	}
	if head.Kind == "" || !coreGroups[group] {
		var any any
		return nil, false, yaml.Unmarshal(doc, &any)
	}
	newObj, ok := kubeTypes[head.APIVersion+" "+head.Kind]
	if !ok {
		return nil, false, fmt.Errorf("%s %s is not in kubeTypes: add its Go type so that it is checked", head.APIVersion, head.Kind)
	}
	obj = newObj()
	return obj, true, yaml.UnmarshalStrict(doc, obj)
}

// yamlDocuments splits a YAML stream into its documents (empty ones left out).
func yamlDocuments(data []byte) ([][]byte, error) {
	r := k8syaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs [][]byte
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(stripComments(doc))) > 0 {
			docs = append(docs, doc)
		}
	}
}

// stripComments drops the comment lines of a YAML document.
func stripComments(doc []byte) []byte {
	var out [][]byte
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out = append(out, line)
		}
	}
	return bytes.Join(out, []byte("\n"))
}

// TestEveryYAMLDocument: every YAML document under deployments/ parses, and
// each Kubernetes object among them decodes strictly into its Go type.
func TestEveryYAMLDocument(t *testing.T) {
	files, objects := 0, 0
	err := filepath.WalkDir(deploymentsDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (!strings.HasSuffix(path, ".yaml") && !strings.HasSuffix(path, ".yml")) {
			return err
		}
		files++
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		docs, err := yamlDocuments(data)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		for i, doc := range docs {
			_, known, err := decodeKube(doc)
			if err != nil {
				t.Errorf("%s, document %d: %v", path, i+1, err)
			}
			if known {
				objects++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 15 || objects < 8 {
		t.Fatalf("checked %d YAML files and %d Kubernetes objects under deployments/; want at least 15 and 8 (is the walk rooted right?)", files, objects)
	}
}

// TestStrictDecodingRefuses: the strict decoding that the tests rely on
// refuses an unknown field, a misplaced one and a core kind without a type.
func TestStrictDecodingRefuses(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown field":     "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {portz: []}\n",
		"misplaced field":   "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {template: {spec: {readOnlyRootFilesystem: true}}}\n",
		"wrong type":        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: two}\n",
		"kind without type": "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: x}\n",
		"duplicate key":     "apiVersion: v1\nkind: Service\nmetadata: {name: x}\nmetadata: {name: y}\n",
	} {
		if _, _, err := decodeKube([]byte(doc)); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}
