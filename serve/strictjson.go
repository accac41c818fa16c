package serve

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
)

// encoding/json matches object keys to struct fields without regard to case and lets the last
// of two equal keys win, so {"TOP":1} reads as top and {"seed":1,"seed":2} as seed 2. The API
// takes neither: checkStrict walks a body's tokens beside the Go type it is decoded into and
// refuses a key that matches a field only in another case, and a key given twice in one
// object, naming the field.

// checkStrict reports the first key of body that is a duplicate within its object, or that
// names a field of t only in another case. body must be one well-formed JSON value.
func checkStrict(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	return walkStrict(dec, t, "")
}

func walkStrict(dec *json.Decoder, t reflect.Type, path string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := walkStrict(dec, elem, path+"["+itoa(i)+"]"); err != nil {
				return err
			}
		}
		_, err := dec.Token() // ]
		return err
	case '{':
		var fields map[string]fieldInfo
		var mapElem reflect.Type
		if t != nil {
			switch t.Kind() {
			case reflect.Struct:
				fields = structFields(t)
			case reflect.Map:
				mapElem = t.Elem()
			}
		}
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			k, _ := kt.(string)
			name := k
			if path != "" {
				name = path + "." + k
			}
			if seen[k] {
				return invalid(name, "given twice in one object; give it once")
			}
			seen[k] = true
			var next reflect.Type
			switch {
			case fields != nil:
				if f, ok := fields[k]; ok {
					next = f.typ
				} else if f, ok := fields[strings.ToLower(k)]; ok && f.name != k {
					return invalid(name, "unknown field; keys are case-sensitive: did you mean %q?", f.name)
				}
			case mapElem != nil:
				next = mapElem
			}
			if err := walkStrict(dec, next, name); err != nil {
				return err
			}
		}
		_, err := dec.Token() // }
		return err
	}
	return nil
}

type fieldInfo struct {
	name string
	typ  reflect.Type
}

var fieldCache sync.Map // reflect.Type → map[string]fieldInfo

// structFields maps each JSON name of t's fields, and its lower-case form, to the field.
func structFields(t reflect.Type) map[string]fieldInfo {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]fieldInfo)
	}
	m := map[string]fieldInfo{}
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					add(ft)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			fi := fieldInfo{name: name, typ: f.Type}
			m[name] = fi
			if _, ok := m[strings.ToLower(name)]; !ok {
				m[strings.ToLower(name)] = fi
			}
		}
	}
	add(t)
	fieldCache.Store(t, m)
	return m
}
