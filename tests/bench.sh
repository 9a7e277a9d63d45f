#!/bin/sh
# make bench: print the figures; nothing here passes or fails on time.
set -e
out=build/bench/out
rm -rf "$out" && mkdir -p "$out"
build/bench/bench_render 1000 "$out"
