module github.com/wgor-dev/wgor/cmd/examples

go 1.26.0

replace github.com/wgor-dev/wgor => ../..

require (
	github.com/stretchr/testify v1.12.1
	github.com/wgor-dev/wgor v0.0.0-00010101000000-000000000000
	golang.org/x/image v0.48.0
)

require go.yaml.in/yaml/v3 v3.0.5 // indirect
