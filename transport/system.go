package transport

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
)

// System is what the transport reads from the machine it runs on: the
// environment, the effective user, files. A nil System, and every nil field,
// means the real operating system; tests replace fields to fake a user, a
// home folder or which sockets exist.
type System struct {
	LookupEnv func(key string) (string, bool)
	Geteuid   func() int
	Stat      func(name string) (fs.FileInfo, error)
	ReadFile  func(name string) ([]byte, error)
	// AppendFile appends data to name, creating it (and its folder) with
	// private permissions when missing. Used to record accepted ssh host keys.
	AppendFile func(name string, data []byte) error
	// LookPath finds an executable in PATH, as exec.LookPath.
	LookPath func(file string) (string, error)
}

// Getenv returns the value of the environment variable key, "" if unset.
func (s *System) Getenv(key string) string {
	v, _ := s.lookupEnv(key)
	return v
}

func (s *System) lookupEnv(key string) (string, bool) {
	if s != nil && s.LookupEnv != nil {
		return s.LookupEnv(key)
	}
	return os.LookupEnv(key)
}

func (s *System) euid() int {
	if s != nil && s.Geteuid != nil {
		return s.Geteuid()
	}
	return os.Geteuid()
}

// privileged reports whether the process runs as root, the test libvirt
// uses to pick system rather than session paths.
func (s *System) privileged() bool { return s.euid() == 0 }

func (s *System) stat(name string) (fs.FileInfo, error) {
	if s != nil && s.Stat != nil {
		return s.Stat(name)
	}
	return os.Stat(name)
}

// Exists reports whether name exists (stat succeeds).
func (s *System) Exists(name string) bool {
	_, err := s.stat(name)
	return err == nil
}

// Read returns the contents of the file name.
func (s *System) Read(name string) ([]byte, error) {
	if s != nil && s.ReadFile != nil {
		return s.ReadFile(name)
	}
	return os.ReadFile(name)
}

// Append appends data to the file name, making it (mode 0600) and its
// folders when missing.
func (s *System) Append(name string, data []byte) error {
	if s != nil && s.AppendFile != nil {
		return s.AppendFile(name, data)
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (s *System) lookPath(file string) (string, error) {
	if s != nil && s.LookPath != nil {
		return s.LookPath(file)
	}
	return exec.LookPath(file)
}

// Home is the user's home folder: $HOME, as GLib's g_get_home_dir prefers.
func (s *System) Home() (string, error) {
	if h := s.Getenv("HOME"); h != "" {
		return h, nil
	}
	if s == nil || s.LookupEnv == nil {
		if h, err := os.UserHomeDir(); err == nil && h != "" {
			return h, nil
		}
	}
	return "", errors.New("cannot find the home folder: $HOME is not set")
}

// xdgDir is $name, else $HOME/fallback, as GLib's g_get_user_*_dir.
func (s *System) xdgDir(name, fallback string) (string, error) {
	if d := s.Getenv(name); d != "" {
		return d, nil
	}
	h, err := s.Home()
	if err != nil {
		return "", err
	}
	return h + "/" + fallback, nil
}

// userRuntimeDir is libvirt's virGetUserRuntimeDirectory:
// $XDG_RUNTIME_DIR/libvirt, falling back to the cache folder as GLib does.
func (s *System) userRuntimeDir() (string, error) {
	if d := s.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return d + "/libvirt", nil
	}
	d, err := s.xdgDir("XDG_CACHE_HOME", ".cache")
	if err != nil {
		return "", err
	}
	return d + "/libvirt", nil
}

// UserConfigDir is libvirt's virGetUserConfigDirectory:
// $XDG_CONFIG_HOME/libvirt, or ~/.config/libvirt.
func (s *System) UserConfigDir() (string, error) {
	d, err := s.xdgDir("XDG_CONFIG_HOME", ".config")
	if err != nil {
		return "", err
	}
	return d + "/libvirt", nil
}
