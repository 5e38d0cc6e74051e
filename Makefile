# p11seal - plain GNU make. Every build variant lives in its own folder
# (B=build, build/asan, build/ubsan) so objects never mix.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
# where bash-completion looks for a command's completion on demand
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR ?=
B       ?= build
CC      ?= cc
CFLAGS  ?= -O2 -g
VERSION := 0.1.0

DEPS     := p11-kit-1 libcrypto libcurl libcjson

# A fresh machine (README, "The two commands"): tests/need.sh installs the
# Debian packages in .ci/packages (as root) or prints the apt-get line and
# stops, before the pkg-config lines below run. demo and check need every
# package; other builds run it only when the compiler or a library is
# missing, so a ready machine makes no dpkg or apt call for them.
NEED_GOALS := $(or $(MAKECMDGOALS),all)
ifneq ($(filter demo check,$(NEED_GOALS)),)
NEED := $(shell sh tests/need.sh >&2 && echo ok)
else ifneq ($(filter-out deps fresh-machine clean uninstall lint format%,$(NEED_GOALS)),)
NEED := $(shell { command -v $(firstword $(CC)) && pkg-config --exists \
	$(DEPS) libmicrohttpd; } >/dev/null 2>&1 || sh tests/need.sh >&2 && echo ok)
else
NEED := ok
endif
ifneq ($(NEED),ok)
$(error stopped before building: Debian packages missing, see above)
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(DEPS))
PKG_LIBS   := $(shell pkg-config --libs $(DEPS)) -lpthread -ldl -lm
SRV_LIBS   := $(shell pkg-config --libs libmicrohttpd) $(PKG_LIBS)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion \
	-Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition \
	-Wformat=2 -Wcast-qual -Wpointer-arith -Wwrite-strings -Wvla -Wundef \
	-Wimplicit-fallthrough
ifeq ($(CI),true)
WARN += -Werror
endif
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
BASE   := -std=c11 -D_GNU_SOURCE -DP11SEAL_VERSION='"$(VERSION)"' \
	-DP11KIT_BUILD_VERSION='"$(shell pkg-config --modversion p11-kit-1)"' \
	-DP11KIT_PROXY_PATH='"$(shell pkg-config --variable=proxy_module p11-kit-1)"'

# Layering: a module sees only its own headers and those below it.
INC_common  := -Icommon
INC_pkcs11  := -Icommon -Ipkcs11
INC_vhd     := -Icommon -Ivhd
INC_cloud   := -Icommon -Icloud
INC_keymgmt := -Icommon -Ipkcs11 -Ivhd -Icloud -Ikeymgmt
INC_cli     := -Icommon -Ipkcs11 -Ivhd -Icloud -Ikeymgmt -Icli
INC_tests   := $(INC_cli) -Itests/unit

LIB_SRC := $(wildcard common/*.c pkcs11/*.c vhd/*.c cloud/*.c keymgmt/*.c)
CLI_SRC := $(wildcard cli/*.c)
SRV_SRC := $(wildcard tests/kp-server/*.c)
SHIM_SRC := $(wildcard tests/shim/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(B)/%.o)
SRV_OBJ := $(SRV_SRC:%.c=$(B)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz-replay/%)
SHIM_SO := $(if $(SHIM_SRC),$(B)/tests/libp11shim.so)
KILLAT_SO := $(B)/tests/libkillat.so
SRV_BIN := $(if $(SRV_SRC),$(B)/kp-server)
# Made by the binary from the option tables it parses with (cli_help.h).
DOCS := $(B)/p11seal.1 $(B)/p11seal.bash-completion

ALL_CFLAGS = $(BASE) $(WARN) $(HARDEN) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)

.PHONY: all check asan ubsan valgrind install uninstall clean demo bench \
	fuzz fuzz-targets lint layers format format-check test-bins
all: layers $(B)/p11seal $(SRV_BIN) $(DOCS)

# The include flags of one folder, for tests/integration/t-layers.sh.
print-inc-%:
	@echo $(INC_$*)

.SECONDARY:

$(B)/common/%.o:  INCS = $(INC_common)
$(B)/pkcs11/%.o:  INCS = $(INC_pkcs11)
$(B)/vhd/%.o:     INCS = $(INC_vhd)
$(B)/cloud/%.o:   INCS = $(INC_cloud)
$(B)/keymgmt/%.o: INCS = $(INC_keymgmt)
$(B)/cli/%.o:     INCS = $(INC_cli)
$(B)/tests/%.o:   INCS = $(INC_tests) -Itests/kp-server

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(INCS) -MMD -MP -c -o $@ $<

$(B)/libp11seal.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/p11seal: $(CLI_OBJ) $(B)/libp11seal.a
	$(CC) $(CFLAGS) -pie -Wl,-z,relro,-z,now $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/p11seal.1: $(B)/p11seal
	$(B)/p11seal help --man >$@.tmp && mv $@.tmp $@

$(B)/p11seal.bash-completion: $(B)/p11seal
	$(B)/p11seal help --completion bash >$@.tmp && mv $@.tmp $@

$(B)/kp-server: $(SRV_OBJ) $(B)/libp11seal.a
	$(CC) $(CFLAGS) -pie $(LDFLAGS) -o $@ $^ $(SRV_LIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $(B)/libp11seal.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(PKG_LIBS)

$(B)/tests/libp11shim.so: $(SHIM_SRC)
	@mkdir -p $(@D)
	$(CC) $(BASE) $(PKG_CFLAGS) $(CFLAGS) -fPIC -shared -o $@ $^ -ldl \
		$(shell pkg-config --libs libcrypto)

$(KILLAT_SO): tests/killat/killat.c
	@mkdir -p $(@D)
	$(CC) $(BASE) $(CFLAGS) -fPIC -shared -o $@ $^ -ldl

# Fuzz targets double as corpus-replay tests: built with a tiny main()
# that feeds each seed file, so `make check` needs no fuzzing engine.
$(B)/fuzz-replay/%: tests/fuzz/%.c tests/fuzz/replay_main.c $(B)/libp11seal.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(INC_tests) -o $@ $^ $(PKG_LIBS)

# fuzz_kp_server runs kp-server's request parsing without its HTTP layer
# (srv_http.c): the harness supplies the request accessors.
SRV_LIB_OBJ := $(filter-out %/srv_main.o %/srv_http.o,$(SRV_OBJ))
$(B)/fuzz-replay/fuzz_kp_server: tests/fuzz/fuzz_kp_server.c \
		tests/fuzz/replay_main.c $(SRV_LIB_OBJ) $(B)/libp11seal.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(INC_tests) -Itests/kp-server -o $@ $^ $(SRV_LIBS)

# libFuzzer binaries (tests/fuzz/run-fuzz.sh builds them with B=build/fuzz,
# CC=clang and CFLAGS with -fsanitize=fuzzer-no-link,address,undefined).
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzzer/%)
$(B)/fuzzer/fuzz_kp_server: tests/fuzz/fuzz_kp_server.c $(SRV_LIB_OBJ) \
		$(B)/libp11seal.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(INC_tests) -Itests/kp-server -fsanitize=fuzzer \
		-o $@ $^ $(SRV_LIBS)
$(B)/fuzzer/%: tests/fuzz/%.c $(B)/libp11seal.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(INC_tests) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)
fuzz-targets: $(FUZZ_BIN)

test-bins: $(B)/p11seal $(DOCS) $(SRV_BIN) $(UNIT_BIN) $(FUZZ_REPLAY) $(SHIM_SO) \
	$(KILLAT_SO)

check: test-bins
	@B=$(B) sh tests/run.sh

SAN := -O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=all
asan:
	$(MAKE) B=build/asan CFLAGS="$(SAN) -fsanitize=address,undefined" \
		LDFLAGS="-fsanitize=address,undefined" check
ubsan:
	$(MAKE) B=build/ubsan CFLAGS="$(SAN) -fsanitize=undefined" \
		LDFLAGS="-fsanitize=undefined" check
valgrind: test-bins
	@B=$(B) P11SEAL_VALGRIND=1 sh tests/run.sh

FUZZ_SECONDS ?= 60
fuzz:
	@B=build/fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run-fuzz.sh

# The Debian packages alone, without building (demo and check do it first).
.PHONY: deps fresh-machine
deps:
	@sh tests/need.sh

# The two commands on a debootstrap'd minimal Debian 12 (root, slow).
fresh-machine:
	@sh tests/fresh-machine.sh

demo: all
	@B=$(B) sh tests/demo.sh

bench:
	@start=$$(date +%s); \
	$(MAKE) B=build/bench CFLAGS="-O3 -g -march=native" all bench-bins \
		build/bench/tests/libp11shim.so && \
	B=build/bench BENCH_START=$$start sh tests/bench/run-bench.sh

install: $(B)/p11seal $(DOCS)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(B)/p11seal $(DESTDIR)$(BINDIR)/p11seal
	install -m 0644 $(B)/p11seal.1 $(DESTDIR)$(MANDIR)/man1/p11seal.1
	install -m 0644 $(B)/p11seal.bash-completion \
		$(DESTDIR)$(BASHCOMPDIR)/p11seal

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/p11seal $(DESTDIR)$(MANDIR)/man1/p11seal.1 \
		$(DESTDIR)$(BASHCOMPDIR)/p11seal

# Layers held by the build, not by convention. Per-folder -I already makes
# a wrong-way include by bare name fail to compile; `make layers` closes the
# path escape ("../keymgmt/x.h", "keymgmt/x.h", <cloud/x.h>), keeps raw
# PKCS#11 calls (fn->C_Sign(...), C_Initialize(...)) inside pkcs11/ and
# JSON parsing inside common/json.c. `all` and `lint` run it (a few greps).
PRODUCT_DIRS  := common pkcs11 vhd cloud keymgmt cli
PRODUCT_FILES  = $(wildcard $(PRODUCT_DIRS:%=%/*.c) $(PRODUCT_DIRS:%=%/*.h))
PATH_INCLUDE  := ^[[:space:]]*\#[[:space:]]*include[[:space:]]*("[^"]*/|<(\.\.?|common|pkcs11|vhd|cloud|keymgmt|cli|tests)/)
P11_CALL      := (^|[^A-Za-z0-9_])C_[A-Z][A-Za-z0-9]*[[:space:]]*\(
layers:
	@rc=0; \
	if grep -nE '$(PATH_INCLUDE)' $(PRODUCT_FILES); then \
		echo "layers: include project headers by bare name; the" \
			"Makefile's -I decides what each folder sees"; rc=1; \
	fi; \
	if grep -nE '$(P11_CALL)' $(filter-out pkcs11/%,$(PRODUCT_FILES)); then \
		echo "layers: PKCS#11 calls belong in pkcs11/"; rc=1; \
	fi; \
	if grep -n 'cJSON_Parse' $(filter-out common/json.c,$(PRODUCT_FILES)); then \
		echo "layers: read JSON with common/json.h"; rc=1; \
	fi; \
	exit $$rc

BANNED := strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok|rand|alloca|system
lint: layers
	@! grep -nE '\<($(BANNED))\(' $(LIB_SRC) $(CLI_SRC) $(SRV_SRC) || \
		{ echo "banned function used"; exit 1; }
	cppcheck --enable=warning,portability --inline-suppr --error-exitcode=1 \
		--quiet -Icommon -Ipkcs11 -Ivhd -Icloud -Ikeymgmt -Icli $(LIB_SRC) $(CLI_SRC)

format:
	clang-format -i $(LIB_SRC) $(CLI_SRC) $(wildcard */*.h)
format-check:
	clang-format --dry-run --Werror $(LIB_SRC) $(CLI_SRC) $(wildcard */*.h)

clean:
	rm -rf build

include tests/bench/bench.mk

-include $(shell find $(B) -name '*.d' 2>/dev/null)
