package virtwire

import "github.com/virtwire/virtwire/protocol/remote"

// ErrInvalidUUID is wrapped by the errors of ParseUUID.
var ErrInvalidUUID = remote.ErrInvalidUUID

// ParseUUID reads a UUID as libvirt does: the usual
// "4dea22b3-1d52-d8f3-2516-782e98ab3fa0", 32 hex digits without dashes, and
// the other spellings libvirt's virUUIDParse accepts (see
// remote.ParseUUID). UUID.String gives libvirt's form back.
func ParseUUID(s string) (UUID, error) { return remote.ParseUUID(s) }
