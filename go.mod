module github.com/t2go/t2go

go 1.26.8

require (
	github.com/google/gopacket v1.1.19
	github.com/mitchellh/go-ps v1.0.0
	github.com/spf13/cobra v1.10.2
	github.com/spf13/pflag v1.0.9
	github.com/ziutek/rrd v0.0.3
	golang.org/x/sys v0.26.0
)

require (
	github.com/cpuguy83/go-md2man/v2 v2.0.6 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/russross/blackfriday/v2 v2.1.0 // indirect
	go.yaml.in/yaml/v3 v3.0.4 // indirect
	golang.org/x/net v0.0.0-20190620200207-3b0461eec859 // indirect
)
