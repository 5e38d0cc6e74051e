/* SPDX-License-Identifier: MIT */
/* replay_main.c - runs a libFuzzer target over every file of a corpus
 * folder without a fuzzing engine, printing TAP: `make check` replays the
 * seeds and kept crashers of every target this way (README "Fuzzing"). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long len;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -1;
	}
	buf = malloc(len ? (size_t)len : 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	struct dirent **names = NULL;
	int n, t = 0, bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	n = scandir(argv[1], &names, NULL, alphasort);
	if (n < 0) {
		printf("not ok 1 - corpus %s missing\n", argv[1]);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];

		if (names[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", argv[1],
				 names[i]->d_name);
			if (replay(path) != 0) {
				printf("not ok %d - read %s\n", ++t, path);
				bad++;
			} else {
				printf("ok %d - replay %s\n", ++t,
				       names[i]->d_name);
			}
		}
		free(names[i]);
	}
	free(names);
	printf("1..%d\n", t);
	return bad ? 1 : 0;
}
