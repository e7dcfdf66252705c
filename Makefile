# Builds and installs t2go: the binaries, their shell completions and man
# pages. `make install PREFIX=$HOME/.local` installs for one user;
# DESTDIR is honoured for packaging.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
SHARE   ?= $(PREFIX)/share
GO      ?= go
BUILD   ?= build
CMDS    := t2 t2stat t2conf t2build t2rrd tcol

# The build info carries the commit where Go can stamp it; a worktree or a
# tarball cannot, so the commit is also passed at link time.
COMMIT  := $(shell git rev-parse --short=12 HEAD 2>/dev/null)$(shell git diff --quiet HEAD 2>/dev/null || echo -modified)
VERSION := $(shell git describe --tags --abbrev=0 2>/dev/null)
LDFLAGS := -X github.com/t2go/t2go/pkg/cliutil.commit=$(COMMIT) -X github.com/t2go/t2go/pkg/cliutil.version=$(VERSION)

.PHONY: all build docs install uninstall test clean

all: build docs

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BUILD)/bin/ ./cmd/...

docs:
	rm -rf $(BUILD)/share
	$(GO) run ./scripts/gendocs $(BUILD)/share

install: build docs
	install -d $(DESTDIR)$(BINDIR)
	for c in $(CMDS); do install -m 0755 $(BUILD)/bin/$$c $(DESTDIR)$(BINDIR)/$$c; done
	cd $(BUILD)/share && find . -type f | while read -r f; do \
		install -D -m 0644 "$$f" "$(DESTDIR)$(SHARE)/$$f"; done

uninstall:
	for c in $(CMDS); do rm -f $(DESTDIR)$(BINDIR)/$$c; done
	for c in $(CMDS); do rm -f $(DESTDIR)$(SHARE)/bash-completion/completions/$$c \
		$(DESTDIR)$(SHARE)/zsh/site-functions/_$$c \
		$(DESTDIR)$(SHARE)/fish/vendor_completions.d/$$c.fish \
		$(DESTDIR)$(SHARE)/man/man1/$$c.1; done

test:
	./scripts/test.sh

clean:
	rm -rf $(BUILD)
