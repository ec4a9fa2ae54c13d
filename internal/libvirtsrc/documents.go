package libvirtsrc

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Documents returns libvirt's own XML test documents, every .xml file
// under tests/ in the tree at dir (see Dir), by the local name of their
// root element ("domain", "network", ...), each list sorted. A symbolic
// link to a file already found (libvirt links an expected output that is
// identical to its input) is counted once, by its target's path; files
// with no root element (not XML, or empty) are left out.
func Documents(dir string) (map[string][]string, error) {
	byRoot := map[string][]string{}
	seen := map[string]bool{}
	err := filepath.WalkDir(filepath.Join(dir, "tests"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".xml") {
			return err
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil || seen[real] {
			return nil // a dangling link, or one already counted
		}
		seen[real] = true
		if root := RootElement(real); root != "" {
			byRoot[root] = append(byRoot[root], real)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, files := range byRoot {
		sort.Strings(files)
	}
	return byRoot, nil
}

// RootElement returns the local name of the root element of the XML file
// at path, or "" when it has none (not XML, or empty).
func RootElement(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	d := xml.NewDecoder(f)
	d.Strict = false
	for {
		tok, err := d.RawToken()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local
		}
	}
}
