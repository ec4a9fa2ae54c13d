package xmlspec

import "testing"

func FuzzParseStoragePool(f *testing.F) {
	addCorpusSeeds(f, "pool")
	f.Add([]byte(`<pool type='rbd' xmlns:rbd='http://libvirt.org/schemas/storagepool/rbd/1.0'><source><host name='::1'/><auth type='ceph' username='u'><secret usage='x'/></auth></source><rbd:config_opts><rbd:option name='a' value='b'/></rbd:config_opts></pool>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, func(b []byte) (document, error) { return ParseStoragePool(b) })
	})
}

func FuzzParseStorageVolume(f *testing.F) {
	addCorpusSeeds(f, "volume")
	f.Add([]byte(`<volume><name>a</name><capacity unit='G'>5</capacity><target><permissions><mode>0644</mode><owner>-1</owner></permissions><features/></target><backingStore><path>/b</path></backingStore></volume>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, func(b []byte) (document, error) { return ParseStorageVolume(b) })
	})
}

func FuzzParseStoragePoolCapabilities(f *testing.F) {
	addCorpusSeeds(f, "storagepoolCapabilities")
	f.Add([]byte(`<storagepoolCapabilities><pool type='dir' supported='yes'><volOptions><defaultFormat type='raw'/><enum name='targetFormatType'><value>raw</value></enum></volOptions></pool></storagepoolCapabilities>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, func(b []byte) (document, error) { return ParseStoragePoolCapabilities(b) })
	})
}
