package pod

import (
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/gpuguard/gpuguard/config/vocab"
	"github.com/gpuguard/gpuguard/webhooks/suggest"
)

// AnnotationInject set to "false" opts a GPU pod out of the mutation.
const AnnotationInject = "gpuguard.io/inject"

var annotationsPath = field.NewPath("metadata", "annotations")

// knownAnnotations are every gpuguard.io/ pod annotation: the requirements,
// then inject.
var knownAnnotations = func() []string {
	keys := make([]string, 0, len(requirements)+1)
	for _, a := range requirements {
		keys = append(keys, a.key)
	}
	return append(keys, AnnotationInject)
}()

// parseWant reads the pod's gpuguard.io annotations, appending what they
// ask for to w; every malformed one is an error naming the expected format.
// Callers pass a small array's slice, so that a review allocates no list.
func parseWant(w want, ann map[string]string) (want, field.ErrorList) {
	var errs field.ErrorList
	for k, v := range ann {
		if !strings.HasPrefix(k, vocab.AnnotationPrefix) || slices.Contains(knownAnnotations, k) {
			continue
		}
		msg := "unknown gpuguard annotation"
		if best, ok := suggest.Typo(k, knownAnnotations); ok {
			msg += "; did you mean " + best + "?"
		} else {
			msg += "; known: " + strings.Join(knownAnnotations, ", ")
		}
		errs = append(errs, field.Invalid(annotationsPath.Key(k), v, msg))
	}
	for _, a := range requirements {
		v, ok := ann[a.key]
		if !ok {
			continue
		}
		r, bad := a.parse(v)
		if len(bad) > 0 {
			errs = append(errs, bad...)
			continue
		}
		w = append(w, r)
	}
	if v, ok := ann[AnnotationInject]; ok && v != "true" && v != "false" {
		errs = append(errs, field.NotSupported(annotationsPath.Key(AnnotationInject), v, []string{"true", "false"}))
	}
	return w, errs
}

// list splits a comma-separated annotation value.
func list(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		out = append(out, strings.TrimSpace(s))
	}
	return out
}
