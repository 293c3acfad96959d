module github.com/percept-robotics/percept/interop/gorgonia

go 1.26.0

require (
	github.com/percept-robotics/percept v0.0.0
	github.com/stretchr/testify v1.12.1
	gorgonia.org/tensor v0.9.24
)

require (
	github.com/apache/arrow/go/arrow v0.0.0-20201229220542-30ce2eb5d4dc // indirect
	github.com/chewxy/hm v1.0.0 // indirect
	github.com/chewxy/math32 v1.0.8 // indirect
	github.com/gogo/protobuf v1.3.2 // indirect
	github.com/golang/protobuf v1.4.3 // indirect
	github.com/google/flatbuffers v25.12.19+incompatible // indirect
	github.com/klauspost/cpuid/v2 v2.4.2 // indirect
	github.com/pkg/errors v0.9.1 // indirect
	github.com/xtgo/set v1.0.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/image v0.47.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/xerrors v0.0.0-20200804184101-5ec99f83aff1 // indirect
	gonum.org/v1/gonum v0.8.2 // indirect
	google.golang.org/protobuf v1.25.0 // indirect
	gorgonia.org/vecf32 v0.9.0 // indirect
	gorgonia.org/vecf64 v0.9.0 // indirect
)

// gorgonia.org/tensor v0.9.24 asks for the June 2022 version of this
// module, which panics at start on Go 1.26 ("your version of
// go4.org/unsafe/assume-no-moving-gc hasn't been updated to assert that it's
// safe against the go1.26 runtime"). The November 2023 version, the latest,
// asks the runtime instead of listing Go versions.
require go4.org/unsafe/assume-no-moving-gc v0.0.0-20231121144256-b99613f794b6 // indirect

// For development inside the percept repository; a user's go.mod names a
// released version of percept instead.
replace github.com/percept-robotics/percept => ../..
