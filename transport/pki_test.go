package transport

import "testing"

func TestLocatePKI(t *testing.T) {
	home := map[string]string{"HOME": "/home/u"}
	user := "/home/u/.pki/libvirt/"
	tests := []struct {
		name  string
		uri   string
		euid  int
		files map[string]string
		want  PKIFiles
	}{
		{"pkipath", "qemu://h/system?pkipath=/p", 1000, files(), PKIFiles{"/p/cacert.pem", "/p/cacrl.pem", "/p/clientcert.pem", "/p/clientkey.pem"}},
		{"root uses /etc/pki", "qemu://h/system", 0, files(user + "cacert.pem"), PKIFiles{DefaultCACert, DefaultCACRL, DefaultClientCert, DefaultClientKey}},
		{"user with nothing", "qemu://h/system", 1000, files(), PKIFiles{DefaultCACert, DefaultCACRL, DefaultClientCert, DefaultClientKey}},
		{"user with everything", "qemu://h/system", 1000, files(user+"cacert.pem", user+"cacrl.pem", user+"clientcert.pem", user+"clientkey.pem"),
			PKIFiles{user + "cacert.pem", user + "cacrl.pem", user + "clientcert.pem", user + "clientkey.pem"}},
		{"user cert without key falls back as a pair", "qemu://h/system", 1000, files(user+"cacert.pem", user+"clientcert.pem"),
			PKIFiles{user + "cacert.pem", DefaultCACRL, DefaultClientCert, DefaultClientKey}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, _ := ParseURI(tc.uri)
			got, err := LocatePKI(u, fakeSystem(tc.euid, home, tc.files))
			if err != nil || got != tc.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}
