// Command check validates Kubernetes manifests offline, where kubeconform
// cannot fetch its schemas: every object must decode strictly into its
// client-go type (no unknown or duplicate fields) and match the API's
// structural schema (types, list keys); then the objects must fit together
// (selectors find pods, ports and config references exist) and every
// container must run as the restricted Pod Security Standard asks.
//
//	go tool kustomize build ../k8s/overlays/production | go run ./k8s ../k8s/secret.example.yaml
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

func main() {
	var input []byte
	stdin, err := io.ReadAll(os.Stdin)
	must(err)
	input = append(input, stdin...)
	for _, f := range os.Args[1:] {
		b, err := os.ReadFile(f)
		must(err)
		input = append(append(input, "\n---\n"...), b...)
	}
	objs, err := decode(input)
	must(err)
	problems := crossCheck(objs)
	for _, p := range problems {
		fmt.Println("FAIL", p)
	}
	fmt.Printf("%d objects, %d problems\n", len(objs), len(problems))
	if len(problems) > 0 {
		os.Exit(1)
	}
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "check:", err)
		os.Exit(1)
	}
}

// decode reads every document strictly and checks it against the schema.
func decode(input []byte) ([]runtime.Object, error) {
	strict := serializer.NewCodecFactory(scheme.Scheme, serializer.EnableStrict).UniversalDeserializer()
	types := applyconfigurations.NewTypeConverter(scheme.Scheme)
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(input)))
	var objs []runtime.Object
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, err
		}
		var fields map[string]any
		if err := yaml.Unmarshal(doc, &fields); err != nil {
			return nil, err
		}
		if len(fields) == 0 { // only comments
			continue
		}
		obj, gvk, err := strict.Decode(doc, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("decode: %w", err)
		}
		if _, err := types.ObjectToTyped(obj); err != nil {
			return nil, fmt.Errorf("%s: schema: %w", gvk.Kind, err)
		}
		objs = append(objs, obj)
	}
}

func crossCheck(objs []runtime.Object) []string {
	var problems []string
	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	// secrets holds each Secret's keys, so that a misspelt key is caught
	// too (a pod whose required key is missing never starts).
	configMaps, secrets := map[string]bool{}, map[string]map[string]bool{}
	var deployments []*appsv1.Deployment
	for _, o := range objs {
		switch o := o.(type) {
		case *corev1.ConfigMap:
			configMaps[o.Name] = true
		case *corev1.Secret:
			secrets[o.Name] = map[string]bool{}
			for k := range o.StringData {
				secrets[o.Name][k] = true
			}
			for k := range o.Data {
				secrets[o.Name][k] = true
			}
		case *appsv1.Deployment:
			deployments = append(deployments, o)
		}
	}
	// podsOf names the Deployments whose pods a selector picks.
	podsOf := func(sel labels.Selector) (names []string) {
		for _, d := range deployments {
			if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
				names = append(names, d.Name)
			}
		}
		return names
	}
	for _, d := range deployments {
		spec := d.Spec.Template.Spec
		if sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err != nil || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			fail("Deployment %s: selector does not match its pod labels", d.Name)
		}
		if sc := spec.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot ||
			sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			fail("Deployment %s: pod must set runAsNonRoot and the RuntimeDefault seccomp profile", d.Name)
		}
		mounts := map[string]bool{}
		for _, v := range spec.Volumes {
			mounts[v.Name] = true
		}
		for _, c := range spec.Containers {
			where := fmt.Sprintf("Deployment %s container %s", d.Name, c.Name)
			ports := map[string]bool{}
			for _, p := range c.Ports {
				ports[p.Name], ports[fmt.Sprint(p.ContainerPort)] = true, true
			}
			for kind, p := range map[string]*corev1.Probe{"startup": c.StartupProbe, "readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
				switch {
				case p == nil && kind != "startup":
					fail("%s: no %s probe", where, kind)
				case p != nil && p.GRPC != nil && !ports[fmt.Sprint(p.GRPC.Port)]:
					fail("%s: %s probe port %d is not a container port", where, kind, p.GRPC.Port)
				case p != nil && p.HTTPGet != nil && !ports[p.HTTPGet.Port.String()]:
					fail("%s: %s probe port %s is not a container port", where, kind, p.HTTPGet.Port.String())
				}
			}
			for _, e := range c.EnvFrom {
				if e.ConfigMapRef != nil && !configMaps[e.ConfigMapRef.Name] {
					fail("%s: ConfigMap %s does not exist", where, e.ConfigMapRef.Name)
				}
			}
			for _, e := range c.Env {
				r := e.ValueFrom
				if r == nil || r.SecretKeyRef == nil {
					continue
				}
				switch keys, ok := secrets[r.SecretKeyRef.Name]; {
				case !ok:
					fail("%s: Secret %s does not exist", where, r.SecretKeyRef.Name)
				case !keys[r.SecretKeyRef.Key] && (r.SecretKeyRef.Optional == nil || !*r.SecretKeyRef.Optional):
					fail("%s: Secret %s has no key %s", where, r.SecretKeyRef.Name, r.SecretKeyRef.Key)
				}
			}
			for _, m := range c.VolumeMounts {
				if !mounts[m.Name] {
					fail("%s: volume %s does not exist", where, m.Name)
				}
			}
			sc := c.SecurityContext
			if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
				sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
				sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" {
				fail("%s: must forbid privilege escalation, drop ALL capabilities, mount the root read-only", where)
			}
			if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
				fail("%s: needs cpu and memory requests and a memory limit", where)
			}
		}
	}
	for _, o := range objs {
		switch o := o.(type) {
		case *corev1.Service:
			picked := podsOf(labels.SelectorFromSet(o.Spec.Selector))
			if len(picked) != 1 {
				fail("Service %s selects the pods of %v, want exactly one Deployment", o.Name, picked)
				continue
			}
			for _, d := range deployments {
				if d.Name != picked[0] {
					continue
				}
				for _, p := range o.Spec.Ports {
					if !hasPort(d.Spec.Template.Spec.Containers, p.TargetPort.String()) {
						fail("Service %s: target port %s is not a port of %s", o.Name, p.TargetPort.String(), d.Name)
					}
				}
			}
		case *policyv1.PodDisruptionBudget:
			sel, err := metav1.LabelSelectorAsSelector(o.Spec.Selector)
			if err != nil || len(podsOf(sel)) != 1 {
				fail("PodDisruptionBudget %s must select the pods of exactly one Deployment", o.Name)
			}
		}
	}
	return problems
}

func hasPort(cs []corev1.Container, port string) bool {
	for _, c := range cs {
		for _, p := range c.Ports {
			if p.Name == port || fmt.Sprint(p.ContainerPort) == port {
				return true
			}
		}
	}
	return false
}
