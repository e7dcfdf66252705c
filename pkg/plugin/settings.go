package plugin

import "fmt"

// Source is the typed store behind Settings: one component's values
// (a *config.Component). Each method fails when the component has no such
// key or the key has another type.
type Source interface {
	IntValue(key string) (int64, error)
	FloatValue(key string) (float64, error)
	StringValue(key string) (string, error)
	StringsValue(key string) ([]string, error)
}

// Settings reads one component's settings by key. A missing key or a
// wrong type does not panic: the getter returns the zero value and the
// first such error is kept; the analyzer reports it (naming the component
// and key) right after the plugin's Init and does not start.
type Settings struct {
	component string
	src       Source
	err       error
}

// NewSettings wraps src, the values of component.
func NewSettings(component string, src Source) *Settings {
	return &Settings{component: component, src: src}
}

// Component returns the component name ("tranalyzer2" or the plugin's).
func (s *Settings) Component() string { return s.component }

// Err returns the first failed look-up, or nil.
func (s *Settings) Err() error { return s.err }

func (s *Settings) fail(err error) {
	if err != nil && s.err == nil {
		s.err = fmt.Errorf("%s: %w", s.component, err)
	}
}

func (s *Settings) missing() bool {
	if s == nil || s.src == nil {
		return true
	}
	return false
}

// Int returns an integer setting.
func (s *Settings) Int(key string) int64 {
	if s.missing() {
		return 0
	}
	v, err := s.src.IntValue(key)
	s.fail(err)
	return v
}

// Bool returns an integer setting as a switch: true when it is not 0.
func (s *Settings) Bool(key string) bool { return s.Int(key) != 0 }

// Float returns a numeric setting (integers are converted).
func (s *Settings) Float(key string) float64 {
	if s.missing() {
		return 0
	}
	v, err := s.src.FloatValue(key)
	s.fail(err)
	return v
}

// String returns a string setting.
func (s *Settings) String(key string) string {
	if s.missing() {
		return ""
	}
	v, err := s.src.StringValue(key)
	s.fail(err)
	return v
}

// Strings returns a list setting (a copy).
func (s *Settings) Strings(key string) []string {
	if s.missing() {
		return nil
	}
	v, err := s.src.StringsValue(key)
	s.fail(err)
	return v
}
