// Package all links every compiled-in plugin into a binary. It is the
// only place that names concrete plugins.
package all

import (
	_ "github.com/t2go/t2go/pkg/plugins/arpdecode"
	_ "github.com/t2go/t2go/pkg/plugins/basicflow"
	_ "github.com/t2go/t2go/pkg/plugins/basicstats"
	_ "github.com/t2go/t2go/pkg/plugins/dnsdecode"
	_ "github.com/t2go/t2go/pkg/plugins/ftpdecode"
	_ "github.com/t2go/t2go/pkg/plugins/httpsniffer"
	_ "github.com/t2go/t2go/pkg/plugins/ipfixsink"
	_ "github.com/t2go/t2go/pkg/plugins/jsonsink"
	_ "github.com/t2go/t2go/pkg/plugins/protostats"
	_ "github.com/t2go/t2go/pkg/plugins/tcpflags"
	_ "github.com/t2go/t2go/pkg/plugins/tcpstates"
	_ "github.com/t2go/t2go/pkg/plugins/txtsink"
)
