# tests/bench/bench.mk - build rules for the micro-benchmarks, meant to be
# included by the top Makefile (`include tests/bench/bench.mk`) with its
# `bench` target building `bench-bins` instead of `all`. Each
# tests/bench/<name>_bench.c is one program linked with the library.
BENCH_SRC := $(wildcard tests/bench/*_bench.c)
BENCH_BIN := $(BENCH_SRC:tests/bench/%.c=$(B)/bench/%)

.PHONY: bench-bins
bench-bins: $(BENCH_BIN)

$(B)/bench/%: tests/bench/%.c $(B)/libp11seal.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(INC_tests) -MMD -MP -o $@ $< $(B)/libp11seal.a $(PKG_LIBS)
