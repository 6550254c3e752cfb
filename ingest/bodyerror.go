package ingest

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"

	"github.com/noctuary/noctuary"
)

// bodyError turns the error of decoding an admin request's body into v
// into a sentence for people: the field and the JSON it takes, never Go's
// type names.
func bodyError(err error, v any) error {
	const prefix = "The body is not the JSON object this route takes"
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &typeErr) {
		return noctuary.Errorf(noctuary.EInvalid, "%s (%s).", prefix, strings.TrimPrefix(err.Error(), "json: "))
	}
	got := jsonKind(typeErr.Value)
	name, _, _ := strings.Cut(strings.TrimLeft(typeErr.Field, "."), ".")
	field, ok := fieldType(reflect.TypeOf(v), name)
	if name == "" || !ok {
		return noctuary.Errorf(noctuary.EInvalid, "%s: it is %s.", prefix, got)
	}
	return noctuary.Errorf(noctuary.EInvalid, "%s: %q must be %s, not %s.", prefix, name, wants(field), got)
}

// fieldType returns the type of t's field named name in JSON; t is a
// struct or a pointer to one.
func fieldType(t reflect.Type, name string) (reflect.Type, bool) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil, false
	}
	for f := range t.Fields() {
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == name {
			return f.Type, true
		}
	}
	return nil, false
}

// wants says in JSON's words what a value of Go type t is.
func wants(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return wants(t.Elem())
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list of " + strings.TrimPrefix(strings.TrimPrefix(wants(t.Elem()), "a "), "an ") + "s"
	case reflect.Map, reflect.Struct:
		return "an object"
	default:
		return "a number"
	}
}

// jsonKind names the kind of JSON value that encoding/json reports.
func jsonKind(value string) string {
	switch value {
	case "array", "object":
		return "an " + value
	case "bool":
		return "true or false"
	default:
		return "a " + value
	}
}
