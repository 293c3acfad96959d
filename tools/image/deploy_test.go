package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// deployDir is the repository's deploy/ directory.
func deployDir(t *testing.T) string {
	t.Helper()
	root, err := findModule()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "deploy")
}

// strictDecoder decodes YAML or JSON into the Kubernetes API types of the
// kinds deploy/kubernetes uses, the way the API server does with
// fieldValidation=Strict: field names are case-sensitive, and an unknown or
// duplicated field is an error.
func strictDecoder(t *testing.T) runtime.Decoder {
	t.Helper()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, appsv1.AddToScheme, autoscalingv2.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	return serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()
}

// documents splits a YAML stream at its "---" lines, dropping documents
// that hold only comments.
func documents(data []byte) [][]byte {
	var docs [][]byte
	for doc := range strings.SplitSeq(string(data), "\n---") {
		for line := range strings.SplitSeq(doc, "\n") {
			if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
				docs = append(docs, []byte(doc))
				break
			}
		}
	}
	return docs
}

func TestStrictDecodingCatchesTypos(t *testing.T) {
	dec := strictDecoder(t)
	good := "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  ports:\n    - port: 80\n"
	if _, _, err := dec.Decode([]byte(good), nil, nil); err != nil {
		t.Fatalf("a valid Service: %v", err)
	}
	for _, bad := range []string{
		strings.Replace(good, "ports:", "port:", 1),               // unknown field
		strings.Replace(good, "ports:", "Ports:", 1),              // wrong case
		strings.Replace(good, "name: x", "name: x\n  name: y", 1), // duplicate
		strings.Replace(good, "port: 80", "port: eighty", 1),      // wrong type
		strings.Replace(good, "kind: Service", "kind: Servic", 1), // unknown kind
	} {
		if _, _, err := dec.Decode([]byte(bad), nil, nil); err == nil {
			t.Errorf("strict decoding accepted:\n%s", bad)
		}
	}
}

// serveFlags are the flags percept serve defines, read from its source.
func serveFlags(t *testing.T) map[string]bool {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(filepath.Dir(deployDir(t)), "cmd", "percept", "serve.go"))
	if err != nil {
		t.Fatal(err)
	}
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`fs\.\w+\("([a-z-]+)"`).FindAllSubmatch(src, -1) {
		flags[string(m[1])] = true
	}
	if !flags["addr"] || !flags["detectors"] || !flags["threads"] {
		t.Fatalf("read serve's flags as %v: the pattern no longer matches serve.go", flags)
	}
	return flags
}

func TestKubernetesManifests(t *testing.T) {
	dec := strictDecoder(t)
	files, err := filepath.Glob(filepath.Join(deployDir(t), "kubernetes", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var (
		deployments []*appsv1.Deployment
		services    []*corev1.Service
		hpas        []*autoscalingv2.HorizontalPodAutoscaler
	)
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range documents(data) {
			obj, gvk, err := dec.Decode(doc, nil, nil)
			if err != nil {
				t.Errorf("%s, document %d: %v", filepath.Base(file), i+1, err)
				continue
			}
			switch o := obj.(type) {
			case *appsv1.Deployment:
				deployments = append(deployments, o)
			case *corev1.Service:
				services = append(services, o)
			case *autoscalingv2.HorizontalPodAutoscaler:
				hpas = append(hpas, o)
			default:
				t.Errorf("%s: unexpected kind %s", filepath.Base(file), gvk)
			}
		}
	}
	if t.Failed() {
		return
	}
	if len(deployments) != 1 || len(services) != 1 || len(hpas) != 1 {
		t.Fatalf("want one Deployment, Service and HorizontalPodAutoscaler; got %d, %d, %d", len(deployments), len(services), len(hpas))
	}
	d, svc, hpa := deployments[0], services[0], hpas[0]

	pod := d.Spec.Template
	for k, v := range d.Spec.Selector.MatchLabels {
		if pod.Labels[k] != v {
			t.Errorf("the Deployment's selector %s=%s does not select its pods (labels %v)", k, v, pod.Labels)
		}
	}
	for k, v := range svc.Spec.Selector {
		if pod.Labels[k] != v {
			t.Errorf("the Service's selector %s=%s does not select the pods (labels %v)", k, v, pod.Labels)
		}
	}
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	if strconv.Itoa(int(ports["http"])) != Port {
		t.Errorf("container port http is %d, the image's serve listens on %s", ports["http"], Port)
	}
	for _, p := range svc.Spec.Ports {
		if p.TargetPort.Type == intstr.String && ports[p.TargetPort.StrVal] == 0 {
			t.Errorf("the Service targets port %q, which the container does not name", p.TargetPort.StrVal)
		}
	}
	for name, probe := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		if probe == nil || probe.HTTPGet == nil {
			t.Errorf("no HTTP %s probe", name)
			continue
		}
		if probe.HTTPGet.Path != "/healthz" || ports[probe.HTTPGet.Port.StrVal] == 0 {
			t.Errorf("%s probe GETs %s on port %v, want /healthz on a named container port", name, probe.HTTPGet.Path, probe.HTTPGet.Port.String())
		}
	}
	cpu := c.Resources.Requests.Cpu()
	if cpu.IsZero() || c.Resources.Requests.Memory().IsZero() {
		t.Errorf("requests %v: the HorizontalPodAutoscaler's utilization needs a CPU request, and memory is sized", c.Resources.Requests)
	}
	if c.Resources.Limits.Memory().Cmp(*c.Resources.Requests.Memory()) < 0 || c.Resources.Limits.Cpu().Cmp(*cpu) < 0 {
		t.Errorf("limits %v below requests %v", c.Resources.Limits, c.Resources.Requests)
	}
	// The args are serve flags (the entrypoint is percept serve): each
	// must be one serve defines, or the pods would exit at start.
	flags := serveFlags(t)
	for i := 0; i < len(c.Args); i += 2 {
		name, ok := strings.CutPrefix(c.Args[i], "-")
		if !ok || !flags[name] || i+1 == len(c.Args) {
			t.Errorf("args %q: %q is not a serve flag followed by its value", c.Args, c.Args[i])
		}
	}
	detectors, threads := flagValue(c.Args, "-detectors"), flagValue(c.Args, "-threads")
	if detectors < 1 || threads < 1 {
		t.Errorf("args %q: want -detectors and -threads set", c.Args)
	} else if limit := c.Resources.Limits.Cpu().MilliValue(); int64(detectors*threads)*1000 != limit {
		t.Errorf("-detectors %d × -threads %d ≠ the CPU limit %dm", detectors, threads, limit)
	}
	sc := pod.Spec.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || fmt.Sprintf("%d:%d", *sc.RunAsUser, *sc.RunAsGroup) != User {
		t.Errorf("pod security context %+v: want runAsNonRoot and the image's user %s", sc, User)
	}

	ref := hpa.Spec.ScaleTargetRef
	if ref.Kind != "Deployment" || ref.Name != d.Name || ref.APIVersion != "apps/v1" {
		t.Errorf("the HorizontalPodAutoscaler scales %s %s (%s), not the Deployment %s", ref.Kind, ref.Name, ref.APIVersion, d.Name)
	}
	if len(hpa.Spec.Metrics) != 1 || hpa.Spec.Metrics[0].Resource == nil || hpa.Spec.Metrics[0].Resource.Name != corev1.ResourceCPU {
		t.Errorf("the HorizontalPodAutoscaler's metrics %+v: want CPU", hpa.Spec.Metrics)
	}
	if hpa.Spec.MinReplicas == nil || *hpa.Spec.MinReplicas < 1 || hpa.Spec.MaxReplicas < *hpa.Spec.MinReplicas {
		t.Errorf("replicas %v..%d", hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas)
	}
}

// flagValue is the integer after name in args, or 0.
func flagValue(args []string, name string) int {
	i := slices.Index(args, name)
	if i < 0 || i+1 == len(args) {
		return 0
	}
	n, _ := strconv.Atoi(args[i+1])
	return n
}

// TestSystemdUnits runs systemd-analyze verify on deploy/systemd's units
// (with ExecStart pointing at an executable that exists, since verify checks
// that): any error or warning, an unknown key included, fails. Then
// systemd-analyze security --offline rates the sandboxing of
// percept.service, where this systemd can (>= 250).
func TestSystemdUnits(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed (Debian: apt-get install systemd): the units are not verified")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(deployDir(t), "systemd")
	units, err := filepath.Glob(filepath.Join(src, "*.*"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var paths []string
	for _, u := range units {
		data, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(u, ".service") && bytes.Contains(data, []byte("ExecStart=/usr/local/bin/percept ")) {
			data = bytes.ReplaceAll(data, []byte("ExecStart=/usr/local/bin/percept "), []byte("ExecStart="+self+" "))
		}
		p := filepath.Join(dir, filepath.Base(u))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	want := []string{"percept-healthcheck.service", "percept-healthcheck.timer", "percept.service"}
	if got := baseNames(paths); !slices.Equal(got, want) {
		t.Fatalf("deploy/systemd holds %v, want %v", got, want)
	}
	out, err := exec.Command(analyze, append([]string{"verify"}, paths...)...).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err = exec.Command(analyze, "security", "--offline=yes", filepath.Join(dir, "percept.service")).CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for percept\.service: ([0-9.]+)`).FindSubmatch(out)
	if err != nil || m == nil {
		t.Logf("systemd-analyze security --offline=yes not available here (%v): exposure not rated", err)
		return
	}
	exposure, _ := strconv.ParseFloat(string(m[1]), 64)
	t.Logf("percept.service exposure %.1f (systemd-analyze security: 0 safest, 10 unsandboxed)", exposure)
	if exposure > 2.5 {
		t.Errorf("percept.service exposure %.1f, was 1.9: a sandboxing setting was lost", exposure)
	}
}

func baseNames(paths []string) []string {
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
	}
	slices.Sort(names)
	return names
}
