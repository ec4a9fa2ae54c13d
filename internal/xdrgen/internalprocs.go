package xdrgen

import "strings"

// internalProcs are the procedures whose generated methods are not
// exported: the Conn runs them itself, or offers them in a form that keeps
// libvirt's client's promises, and as raw methods they would only confuse
// (an event registration whose events nothing delivers, a handshake step
// run twice, a security answer that ignores the transport).
var internalProcs = map[string]string{
	"REMOTE_PROC_AUTH_LIST":                                    "Dial and NewConn authenticate",
	"REMOTE_PROC_AUTH_POLKIT":                                  "Dial and NewConn authenticate",
	"REMOTE_PROC_AUTH_SASL_INIT":                               "Dial authenticates",
	"REMOTE_PROC_AUTH_SASL_START":                              "Dial authenticates",
	"REMOTE_PROC_AUTH_SASL_STEP":                               "Dial authenticates",
	"REMOTE_PROC_CONNECT_OPEN":                                 "Dial and NewConn open the connection",
	"REMOTE_PROC_CONNECT_CLOSE":                                "Close ends the connection",
	"REMOTE_PROC_CONNECT_IS_SECURE":                            "ConnectIsSecure and IsSecure combine it with the transport",
	"REMOTE_PROC_CONNECT_IS_ENCRYPTED":                         "ConnectIsEncrypted and IsEncrypted answer from the transport",
	"REMOTE_PROC_CONNECT_REGISTER_CLOSE_CALLBACK":              "the handshake registers; see SubscribeConnectionClosed",
	"REMOTE_PROC_CONNECT_UNREGISTER_CLOSE_CALLBACK":            "the handshake registers; see SubscribeConnectionClosed",
	"REMOTE_PROC_CONNECT_DOMAIN_EVENT_REGISTER":                "use SubscribeDomainEvents",
	"REMOTE_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER":              "use SubscribeDomainEvents",
	"REMOTE_PROC_CONNECT_DOMAIN_EVENT_REGISTER_ANY":            "use SubscribeDomainEvents",
	"REMOTE_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER_ANY":          "use SubscribeDomainEvents",
	"REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY":   "use SubscribeDomainEvents",
	"REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY": "use SubscribeDomainEvents",
	"REMOTE_PROC_CONNECT_NETWORK_EVENT_REGISTER_ANY":           "use SubscribeNetworkEvents",
	"REMOTE_PROC_CONNECT_NETWORK_EVENT_DEREGISTER_ANY":         "use SubscribeNetworkEvents",
	"REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY":      "use SubscribeStoragePoolEvents",
	"REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY":    "use SubscribeStoragePoolEvents",
	"REMOTE_PROC_CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY":       "use SubscribeNodeDeviceEvents",
	"REMOTE_PROC_CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY":     "use SubscribeNodeDeviceEvents",
	"REMOTE_PROC_CONNECT_SECRET_EVENT_REGISTER_ANY":            "use SubscribeSecretEvents",
	"REMOTE_PROC_CONNECT_SECRET_EVENT_DEREGISTER_ANY":          "use SubscribeSecretEvents",
	"QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_REGISTER":          "use SubscribeQEMUMonitorEvents",
	"QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER":        "use SubscribeQEMUMonitorEvents",
}

// unexported turns an exported method name into its unexported form,
// lowering a leading acronym whole (QEMUConnect... -> qemuConnect...).
func unexported(name string) string {
	for _, p := range []string{"QEMU", "LXC"} {
		if rest, ok := strings.CutPrefix(name, p); ok {
			return strings.ToLower(p) + rest
		}
	}
	return strings.ToLower(name[:1]) + name[1:]
}

// handExported are the internal procedures whose exported name is taken by
// a hand-written method (security.go), so methods.gen_test.go leaves them
// out.
var handExported = map[string]bool{
	"REMOTE_PROC_CONNECT_IS_SECURE":    true,
	"REMOTE_PROC_CONNECT_IS_ENCRYPTED": true,
}
