package xmlspec

var (
	_ = registerCorpusKind(corpusKind{name: "storagepool", root: "pool", schema: "storagepool.rng", minShare: 99.5,
		parse: func(b []byte) (any, error) { return ParseStoragePool(b) }})
	_ = registerCorpusKind(corpusKind{name: "storagevol", root: "volume", schema: "storagevol.rng", minShare: 99.5,
		parse: func(b []byte) (any, error) { return ParseStorageVolume(b) }})
	_ = registerCorpusKind(corpusKind{name: "storagepoolcaps", root: "storagepoolCapabilities", schema: "storagepoolcaps.rng", minShare: 99.5,
		parse: func(b []byte) (any, error) { return ParseStoragePoolCapabilities(b) }})
)
