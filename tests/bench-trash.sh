# Sourced by the benchmarks. bench_discard PATH...: move each PATH into
# build/bench/trash instead of deleting it; tests/bench.sh empties the trash
# once every part has run. On ext4 without a journal (as on the machines
# these figures come from) an inode freed in the last 30 seconds is not
# handed out again, and each new file scans past all of them: deleting the
# 10,000 PDFs of one part slowed the file creations of the next one by half.
bench_discard() {
	mkdir -p build/bench/trash
	for _p in "$@"; do
		[ -e "$_p" ] || continue
		mv "$_p" "$(mktemp -d build/bench/trash/XXXXXX)/" || return 1
	done
}
