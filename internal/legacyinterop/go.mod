module github.com/wgor-dev/wgor/internal/legacyinterop

go 1.26.0

replace github.com/wgor-dev/wgor => ../..

require (
	github.com/aliyun/aliyun-oss-go-sdk v3.0.2+incompatible
	github.com/stretchr/testify v1.12.1
	github.com/wgor-dev/wgor v0.0.0-00010101000000-000000000000
)

require (
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/time v0.16.0 // indirect
	gopkg.in/check.v1 v1.0.0-20201130134442-10cb98267c6c // indirect
)
