package xmlspec

var (
	_ = registerCorpusKind(corpusKind{name: "capabilities", root: "capabilities", schema: "capability.rng", minShare: 99.5,
		parse: func(b []byte) (any, error) { return ParseHostCapabilities(b) }})
	_ = registerCorpusKind(corpusKind{name: "domaincaps", root: "domainCapabilities", schema: "domaincaps.rng", minShare: 99.5,
		parse: func(b []byte) (any, error) { return ParseDomainCapabilities(b) }})
)
