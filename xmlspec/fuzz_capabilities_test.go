package xmlspec

import "testing"

func FuzzParseHostCapabilities(f *testing.F) {
	addCorpusSeeds(f, "capabilities")
	f.Add([]byte(`<capabilities><host><cpu><arch>x86_64</arch><pages size='4'/></cpu><topology><cells num='1'><cell id='0'><memory>1</memory><pages size='4'>0</pages></cell></cells></topology></host><guest><arch name='x'><machine maxCpus='0x1'>pc</machine></arch></guest></capabilities>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, func(b []byte) (document, error) { return ParseHostCapabilities(b) })
	})
}

func FuzzParseDomainCapabilities(f *testing.F) {
	addCorpusSeeds(f, "domainCapabilities")
	f.Add([]byte(`<domainCapabilities><domain>kvm</domain><arch>x86_64</arch><vcpu max='8'/><cpu><mode name='custom' supported='yes'><model usable='no' vendor='Intel'>Haswell</model><blockers model='Haswell'><feature name='hle'/></blockers></mode></cpu><features><sgx supported='yes'><section_size unit='KiB'>1</section_size></sgx></features></domainCapabilities>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRoundTrip(t, data, func(b []byte) (document, error) { return ParseDomainCapabilities(b) })
	})
}
