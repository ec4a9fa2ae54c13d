package transport

// libvirt's default certificate locations.
const (
	DefaultCACert     = "/etc/pki/CA/cacert.pem"
	DefaultCACRL      = "/etc/pki/CA/cacrl.pem"
	DefaultClientCert = "/etc/pki/libvirt/clientcert.pem"
	DefaultClientKey  = "/etc/pki/libvirt/private/clientkey.pem"
)

// PKIFiles are the files a TLS client uses.
type PKIFiles struct {
	CACert, CACRL, Cert, Key string
}

// LocatePKI finds the TLS files as libvirt does: all four under pkipath=
// when given (whether or not they exist); else, for a non-root user, those
// that exist under ~/.pki/libvirt (the certificate and key only as a
// pair); the rest from /etc/pki.
func LocatePKI(u *URI, sys *System) (PKIFiles, error) {
	if dir := u.PKIPath(); dir != "" {
		return PKIFiles{dir + "/cacert.pem", dir + "/cacrl.pem", dir + "/clientcert.pem", dir + "/clientkey.pem"}, nil
	}
	var f PKIFiles
	if !sys.privileged() {
		home, err := sys.Home()
		if err != nil {
			return f, err
		}
		dir := home + "/.pki/libvirt"
		if p := dir + "/cacert.pem"; sys.Exists(p) {
			f.CACert = p
		}
		if p := dir + "/cacrl.pem"; sys.Exists(p) {
			f.CACRL = p
		}
		if c, k := dir+"/clientcert.pem", dir+"/clientkey.pem"; sys.Exists(c) && sys.Exists(k) {
			f.Cert, f.Key = c, k
		}
	}
	if f.CACert == "" {
		f.CACert = DefaultCACert
	}
	if f.CACRL == "" {
		f.CACRL = DefaultCACRL
	}
	if f.Cert == "" && f.Key == "" {
		f.Cert, f.Key = DefaultClientCert, DefaultClientKey
	}
	return f, nil
}
