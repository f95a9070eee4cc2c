package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, err := io.ReadAll(rec.Result().Body)
	if err != nil {
		t.Fatal(err)
	}
	return rec.Code, string(body)
}

func TestGreeting(t *testing.T) {
	code, body := get(t, newHandler("Hello", "dev"), "/")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if want := "Hello from dev (version " + version + ")\n"; body != want {
		t.Fatalf("body %q, want %q", body, want)
	}
	_, body = get(t, newHandler("Hi", ""), "/")
	if !strings.HasPrefix(body, "Hi (version ") {
		t.Fatalf("body %q", body)
	}
}

func TestVersionReportsBuildVersion(t *testing.T) {
	old := version
	version = "abc123"
	defer func() { version = old }()
	code, body := get(t, newHandler("Hello", ""), "/version")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("%q: %v", body, err)
	}
	if got["version"] != "abc123" {
		t.Fatalf("version %q", got["version"])
	}
}

func TestUnknownPathIs404(t *testing.T) {
	if code, _ := get(t, newHandler("Hello", ""), "/nope"); code != http.StatusNotFound {
		t.Fatalf("status %d", code)
	}
	if code, _ := get(t, newHandler("Hello", ""), "/healthz"); code != http.StatusOK {
		t.Fatalf("healthz status %d", code)
	}
}
