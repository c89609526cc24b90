module github.com/wgor-dev/wgor/cmd/examples

go 1.26.0

replace github.com/wgor-dev/wgor => ../..

require (
	github.com/stretchr/testify v1.12.1
	github.com/wgor-dev/wgor v0.0.0-00010101000000-000000000000
	golang.org/x/image v0.48.0
)

require (
	github.com/alibabacloud-go/debug v1.0.1 // indirect
	github.com/alibabacloud-go/tea v1.5.3 // indirect
	github.com/aliyun/credentials-go v1.4.14 // indirect
	github.com/json-iterator/go v1.1.12 // indirect
	github.com/modern-go/concurrent v0.0.0-20180228061459-e0a39a4cb421 // indirect
	github.com/modern-go/reflect2 v1.0.2 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/net v0.26.0 // indirect
	gopkg.in/ini.v1 v1.67.0 // indirect
)

tool github.com/wgor-dev/wgor/cmd/wgor
